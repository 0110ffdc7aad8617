#!/usr/bin/python3
"""ddp_train.py - data-parallel training of a small upsampling network built from tconv modules, on PyTorch's
own engine: torch.nn.parallel.DistributedDataParallel over the gloo backend. tconv is the kernel inside each
process (forward and gradients of its Conv2d / ConvTranspose2d); DDP averages the gradients across processes.

The task: learn a x2 bilinear upsampling of 8x8 images (a fixed ConvTranspose2d k4 s2 p1) from 64 examples.
The global batch is split evenly across the processes, so N processes compute what one process computes on
the whole batch: the same weights, up to float32 rounding.

    python3 examples/ddp_train.py --spawn 2                  # 2 processes on this machine
    torchrun --nproc_per_node=2 examples/ddp_train.py        # the same, launched by torchrun
    torchrun --nnodes=2 --node_rank=R --nproc_per_node=2 --master_addr=HOST --master_port=29500 \\
        examples/ddp_train.py                                # 2 machines, 2 processes each
    python3 examples/ddp_train.py                            # 1 process (world size 1)

Options: --steps N (300), --batch B (global batch, 16), --lr, --out FILE (rank 0 saves the final state_dict
and the losses there with torch.save, with the weights after 10 and 100 steps), --threads T (per process, 1). Set TCONV_LIBRARY if libtconv is not
installed, and PYTHONPATH=python from a source tree.
"""
import argparse
import os
import socket
import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F

try:
    import tconv.torch as tnn
except ImportError:  # run from a source tree: the package beside this file
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    import tconv.torch as tnn


def make_net():
    torch.manual_seed(0)  # every process starts from the same weights (DDP also broadcasts rank 0's)
    return torch.nn.Sequential(tnn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), tnn.ConvTranspose2d(8, 8, 4, 2, 1),
                               torch.nn.ReLU(), tnn.Conv2d(8, 1, 3, padding=1))


def make_data(n=64):
    """Inputs in [0, 1], targets their bilinear x2 upsampling (PyTorch's ConvTranspose2d k4 s2 p1 filter)."""
    g = torch.Generator().manual_seed(1)
    x = torch.rand(n, 1, 8, 8, generator=g)
    k = torch.tensor([0.25, 0.75, 0.75, 0.25])
    up = torch.nn.ConvTranspose2d(1, 1, 4, 2, 1, bias=False)
    with torch.no_grad():
        up.weight.copy_((k[:, None] * k[None, :])[None, None])
        y = up(x)
    return x, y


def train(rank, world, args):
    torch.set_num_threads(args.threads)  # tconv's modules run with torch's thread count
    if world > 1:
        dist.init_process_group("gloo", rank=rank, world_size=world)
    net = make_net()
    model = torch.nn.parallel.DistributedDataParallel(net) if world > 1 else net
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    x, y = make_data()
    per = args.batch // world
    losses, snapshots = [], {}
    for step in range(args.steps):
        lo = (step * args.batch) % len(x)  # the global batch of this step; this process takes its share
        xb, yb = x[lo + rank * per: lo + (rank + 1) * per], y[lo + rank * per: lo + (rank + 1) * per]
        opt.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()  # DDP: the gradients averaged across processes here
        opt.step()
        global_loss = loss.detach().clone()
        if world > 1:
            dist.all_reduce(global_loss)
            global_loss /= world
        losses.append(global_loss.item())
        if step + 1 in (10, 100):  # early weights: float32 rounding has had little time to grow
            snapshots[step + 1] = {k: v.clone() for k, v in net.state_dict().items()}
        if rank == 0 and (step % 50 == 0 or step == args.steps - 1):
            print("step %4d  loss %.3e" % (step, losses[-1]), flush=True)
    if rank == 0:
        print("loss %.3e -> %.3e (%.0fx lower), %d process(es), %d thread(s) each"
              % (losses[0], losses[-1], losses[0] / losses[-1], world, args.threads), flush=True)
        if args.out:
            torch.save({"state_dict": net.state_dict(), "snapshots": snapshots, "losses": losses, "world": world},
                       args.out)
    if world > 1:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spawn", type=int, default=0, help="start this many processes here (torch.multiprocessing)")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=16, help="the global batch, split across the processes")
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--threads", type=int, default=1, help="threads per process")
    ap.add_argument("--out", default="", help="rank 0 saves the final weights and the losses here")
    args = ap.parse_args()
    if args.spawn:
        if args.batch % args.spawn:
            ap.error("--batch %d does not split into %d processes" % (args.batch, args.spawn))
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", str(free_port()))
        torch.multiprocessing.spawn(train, args=(args.spawn, args), nprocs=args.spawn)
    else:  # torchrun (its environment) or one process
        world, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
        if args.batch % world:
            ap.error("--batch %d does not split into %d processes" % (args.batch, world))
        train(rank, world, args)


if __name__ == "__main__":
    main()
