"""test_torch.py - tconv.torch's modules against torch.nn's own (float64 as the oracle, the bound derived from
the same op on |x|, |w|): forward, the three gradients, output_size, padding modes, unbatched input, state_dict
interchange, gradcheck, a few training steps, the inference operator cache, threads and float64 modules."""
import os
import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import tconv.torch as tnn  # noqa: E402  (after torch: the module needs it)

SEED = int(os.environ.get("TCONV_TEST_SEED", "20261201"))
EPS32 = 2.0 ** -24
NN = {(r, t): getattr(torch.nn, ("ConvTranspose%dd" if t else "Conv%dd") % r) for r in (1, 2, 3) for t in (False, True)}
TN = {(r, t): getattr(tnn, ("ConvTranspose%dd" if t else "Conv%dd") % r) for r in (1, 2, 3) for t in (False, True)}


def bound(fn_abs, terms):
    return (terms + 2) * EPS32 * fn_abs + 1e-30


def random_module_args(r, rank, transposed):
    groups = r.choice([1, 1, 2])
    cin, cout = groups * r.randint(1, 3), groups * r.randint(1, 3)
    k = [r.randint(1, 4) for _ in range(rank)]
    s = [r.randint(1, 3) for _ in range(rank)]
    d = [r.choice([1, 1, 2]) for _ in range(rank)]
    p = [r.randint(0, (kk - 1) * dd) // (1 if transposed else 1) for kk, dd in zip(k, d)]
    kw = dict(stride=s, padding=p, dilation=d, groups=groups, bias=r.random() < 0.7)
    if transposed:
        kw["output_padding"] = [r.randint(0, max(ss, dd) - 1) for ss, dd in zip(s, d)]
    elif r.random() < 0.3:
        kw["padding_mode"] = r.choice(["reflect", "replicate", "circular"])
        kw["padding"] = [min(pp, 1) for pp in p]
    size = [r.randint(2, 5 if rank == 3 else 8) for _ in range(rank)]
    if not transposed:
        size = [max(sz, (kk - 1) * dd + 1) for sz, kk, dd in zip(size, k, d)]
    return (cin, cout, k), kw, size


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("transposed", [False, True])
def test_modules_match_torch_forward_and_backward(rank, transposed):
    r = random.Random(SEED * 3 + rank * 2 + transposed)
    torch.manual_seed(SEED + rank)
    ran = 0
    for case in range(15):
        args, kw, size = random_module_args(r, rank, transposed)
        try:
            ref = NN[rank, transposed](*args, **kw).double()
            x64 = torch.randn(r.randint(1, 2), args[0], *size, dtype=torch.float64, requires_grad=True)
            y_ref = ref(x64)
        except RuntimeError:
            continue  # torch refuses: nothing to compare
        if y_ref.numel() == 0:
            continue
        mod = TN[rank, transposed](*args, **kw)
        mod.load_state_dict({k: v.float() for k, v in ref.state_dict().items()})
        x = x64.detach().float().requires_grad_()
        y = mod(x)
        # the bounds: the same module on |x| with |w|, |b|, and its gradients for |dy|
        absref = NN[rank, transposed](*args, **kw).double()
        absref.load_state_dict({k: v.abs() for k, v in ref.state_dict().items()})
        x_abs = x64.detach().abs().requires_grad_()
        y_abs = absref(x_abs)
        positions = max(int(np.prod(size)), int(np.prod(y_ref.shape[2:]))) * x.shape[0]
        terms = int(np.prod(args[2])) * max(args[0], args[1]) + positions
        what = "case %d %s %s x %s (seed %d)" % (case, NN[rank, transposed].__name__, kw, tuple(x.shape), SEED)
        err = (y.double() - y_ref).abs()
        assert bool((err <= bound(y_abs.detach(), terms)).all()), what + ": forward off by %g" % err.max().item()
        dy = torch.randn(y.shape, dtype=torch.float64)
        y_ref.backward(dy)
        y.backward(dy.float())
        y_abs.backward(dy.abs())
        pairs = [("dx", x.grad, x64.grad, x_abs.grad), ("dw", mod.weight.grad, ref.weight.grad, absref.weight.grad)]
        if kw["bias"]:
            pairs.append(("db", mod.bias.grad, ref.bias.grad, absref.bias.grad))
        for name, got, want, gabs in pairs:
            e = (got.double() - want).abs()
            assert bool((e <= bound(gabs, terms)).all()), what + ": %s off by %g" % (name, e.max().item())
        ran += 1
    assert ran >= 10, "only %d of 15 cases ran (seed %d)" % (ran, SEED)


def test_output_size_and_unbatched_input():
    torch.manual_seed(SEED)
    ref = torch.nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1)
    mod = tnn.ConvTranspose2d(4, 3, 3, stride=2, padding=1)
    mod.load_state_dict(ref.state_dict())
    x = torch.randn(2, 4, 5, 6)
    for size in ([9, 11], [10, 12], (2, 3, 10, 11)):
        torch.testing.assert_close(mod(x, output_size=size), ref(x, output_size=size), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(mod(x[0]), ref(x[0]), rtol=1e-5, atol=1e-5)  # (C, H, W)
    with pytest.raises(ValueError):
        mod(x, output_size=[12, 12])  # torch's own check: the range is [9, 10] x [11, 12]


def test_state_dict_keys_and_loading_both_ways():
    a = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.ConvTranspose2d(8, 3, 4, 2, 1))
    b = torch.nn.Sequential(tnn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), tnn.ConvTranspose2d(8, 3, 4, 2, 1))
    assert list(a.state_dict().keys()) == list(b.state_dict().keys())
    for k in a.state_dict():
        assert a.state_dict()[k].shape == b.state_dict()[k].shape
    b.load_state_dict(a.state_dict())
    a.load_state_dict(b.state_dict())
    x = torch.randn(1, 3, 8, 8)
    torch.testing.assert_close(b(x), a(x), rtol=1e-5, atol=1e-5)


def test_gradcheck_float64_through_the_float32_path():
    torch.manual_seed(SEED)
    for mod in (tnn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), tnn.Conv1d(2, 3, 3, dilation=2),
                tnn.ConvTranspose3d(2, 2, 2, stride=2)):
        mod = mod.double()
        x = torch.randn(1, 2, *([5] * (mod.weight.dim() - 2)), dtype=torch.float64, requires_grad=True)
        # float32 arithmetic inside: a step of 1e-2 and tolerances of float32's noise on these sizes
        assert torch.autograd.gradcheck(lambda t, m=mod: m(t), (x,), eps=1e-2, atol=2e-3, rtol=2e-3)


def make_net(m):
    torch.manual_seed(SEED)
    return torch.nn.Sequential(m.Conv2d(2, 8, 3, padding=1), torch.nn.ReLU(), m.ConvTranspose2d(8, 4, 4, 2, 1),
                               torch.nn.ReLU(), m.Conv2d(4, 1, 3, padding=1))


def test_training_steps_give_torch_losses():
    torch.manual_seed(SEED + 1)
    x, target = torch.randn(4, 2, 6, 6), torch.randn(4, 1, 12, 12)
    losses = {}
    for name, m in (("torch", torch.nn), ("tconv", tnn)):
        net = make_net(m)
        opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        losses[name] = []
        for _ in range(8):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(net(x), target)
            loss.backward()
            opt.step()
            losses[name].append(loss.item())
    np.testing.assert_allclose(losses["tconv"], losses["torch"], rtol=1e-4)
    assert losses["tconv"][-1] < losses["tconv"][0]


def test_inference_packs_once_until_the_weights_change():
    torch.manual_seed(SEED)
    ref = torch.nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)
    mod = tnn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)
    mod.load_state_dict(ref.state_dict())
    mod.eval()
    x = torch.randn(3, 16, 5, 5)
    with torch.no_grad():
        y1 = mod(x)
        op = mod._tconv_op
        y2 = mod(x[:1])  # another batch: the same operator
        assert mod._tconv_op is op
        torch.testing.assert_close(y1, ref(x), rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(y2, y1[:1], rtol=0, atol=0)
        mod.weight.mul_(2)  # in place: a new version, a new operator
        ref.weight.mul_(2)
        y3 = mod(x)
        assert mod._tconv_op is not op
        torch.testing.assert_close(y3, ref(x), rtol=1e-5, atol=1e-5)
    mod.train()
    y4 = mod(x)  # training: the autograd path, the same numbers
    torch.testing.assert_close(y4, y3, rtol=1e-6, atol=1e-6)


def test_threads_follow_torch_and_give_the_same_bits():
    torch.manual_seed(SEED)
    mod = tnn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)
    x = torch.randn(4, 16, 9, 9)
    old = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        y1 = mod(x)
        torch.set_num_threads(2)
        y2 = mod(x)
    finally:
        torch.set_num_threads(old)
    assert torch.equal(y1, y2)


def test_float64_modules_compute_in_float32():
    torch.manual_seed(SEED)
    ref = torch.nn.Conv2d(3, 4, 3).double()
    mod = tnn.Conv2d(3, 4, 3).double()
    mod.load_state_dict(ref.state_dict())
    x = torch.randn(2, 3, 7, 7, dtype=torch.float64)
    y = mod(x)
    assert y.dtype == torch.float64
    torch.testing.assert_close(y, ref(x), rtol=1e-5, atol=1e-5)


def test_copies_and_pickles_leave_the_operator_behind(tmp_path):
    import copy

    torch.manual_seed(SEED)
    mod = tnn.ConvTranspose2d(4, 2, 4, stride=2, padding=1).eval()
    x = torch.randn(2, 4, 5, 5)
    with torch.no_grad():
        y = mod(x)
        assert mod._tconv_op is not None
        twin = copy.deepcopy(mod)
        assert "_tconv_op" not in twin.__dict__ and "_tconv_calls" not in twin.__dict__
        torch.testing.assert_close(twin(x), y, rtol=0, atol=0)
        path = str(tmp_path / "m.pt")
        torch.save(mod, path)
        torch.testing.assert_close(torch.load(path)(x), y, rtol=0, atol=0)
    del mod  # the original's operator is destroyed once, the copies made their own
    with torch.no_grad():
        torch.testing.assert_close(twin(x), y, rtol=0, atol=0)


def test_one_module_from_many_threads():
    """ctypes lets go of the GIL in the library: 4 Python threads run one module (its operator in inference,
    the autograd path in training) at once, each getting what it gets alone."""
    import threading

    torch.manual_seed(SEED)
    mod = tnn.ConvTranspose2d(8, 4, 4, stride=2, padding=1)
    xs = [torch.randn(2, 8, 6 + i, 6) for i in range(4)]
    for training in (False, True):
        mod.train(training)
        with torch.set_grad_enabled(training):
            want = [mod(x).detach() for x in xs]
            got = [None] * 4

            def work(i):
                with torch.set_grad_enabled(training):
                    for _ in range(20):
                        got[i] = mod(xs[i]).detach()

            ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        for g, w in zip(got, want):
            assert torch.equal(g, w)


@pytest.mark.filterwarnings("ignore:Using padding=.same.")  # torch notes the even kernel's copy
def test_same_and_valid_string_padding():
    torch.manual_seed(SEED)
    for rank, k, d in ((1, 4, 1), (2, 3, 2), (3, 2, 1)):
        for pad in ("same", "valid"):
            ref = NN[rank, False](3, 5, k, padding=pad, dilation=d)
            mod = TN[rank, False](3, 5, k, padding=pad, dilation=d)
            mod.load_state_dict(ref.state_dict())
            x = torch.randn(2, 3, *([7] * rank))
            torch.testing.assert_close(mod(x), ref(x), rtol=1e-5, atol=1e-5, msg="rank %d k %d %s" % (rank, k, pad))
