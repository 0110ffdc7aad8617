#!/usr/bin/python3
"""run.py - the mutation run: proves the test suite catches real bugs.

    /usr/bin/python3 tests/mutation/run.py [--only ID[,ID...]] [--list] [--mutants FILE] [--keep] [--verbose]

Copies the source tree (the files git tracks, plus untracked ones it does not ignore) into a scratch
directory, configures one build there (-Dperf=false, tests on), builds it and checks that the unmutated
suite passes. Then, for each mutant of tests/mutation/mutants.txt: restore the pristine file, apply the
mutation, rebuild incrementally, and run the suites that matter, fastest first, each test under a timeout
(a hang counts as a kill), stopping at the first failing test. One line per mutant (`killed by <test>` or
`SURVIVED`, and its time); the last line is `mutants: N killed, M survived`.

Exit status 0 when every mutant is killed; 1 on any survivor, on a stale mutant (its snippet does not occur
exactly once: fix the mutant), on a mutant that does not compile, and when the unmutated suite fails.
The torch oracle runs with TCONV_REQUIRE_TORCH=1 and abidiff with TCONV_REQUIRE_ABIDIFF=1 (abigail-tools);
the oracle needs /usr/bin/python3 with torch and numpy
(Debian 12: apt-get install python3-torch python3-numpy). The tests run with the default seed and with
OMP_WAIT_POLICY=PASSIVE unless set (results do not depend on it). Python standard library only.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MUTANTS = os.path.join(HERE, "mutants.txt")

# Meson test names in the order they run, fastest first; one `meson test` call per stage. Left out: the
# pkg-config test, the consumers and the examples (the packaging), and spellings-torch (the CLI's spellings,
# checked by cli-units too); the ABI stage comes last (abidiff: a layout change nothing else notices). The reruns of `threads`' limits case under OMP_THREAD_LIMIT=1 and
# OMP_DYNAMIC=true are in: a mutant that hangs there is killed by the timeout.
STAGES = [
    ["geometry", "lower", "blas", "reference", "checkerboard", "contract", "api", "alloc", "backward", "nd", "nd_api",
     "operator"],
    ["ops"],
    ["threads", "threads-omp_thread_limit", "threads-omp_dynamic"],
    ["torch-oracle", "torch-oracle-nd"],
    ["cli-units", "cli", "cli-png"],
    ["header-c99", "header-c11", "header-c++11", "symbols", "abidiff"],
]
MIN_LIMIT = 30.0  # seconds: a test's timeout is max(MIN_LIMIT, LIMIT_FACTOR x its unmutated time)
LIMIT_FACTOR = 10.0
BAD = ("FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS")
TIMEOUT_LINE = re.compile(r"^\s*\d+/\d+\s+\S+ / (\S+)\s+TIMEOUT\b")  # meson's console line of a timeout


class Mutant:
    def __init__(self, mid, path, what, old, new, line):
        self.id, self.path, self.what, self.old, self.new, self.line = mid, path, what, old, new, line


def parse_mutants(path):
    """The blocks of mutants.txt (see its header); raises ValueError on a malformed file."""
    mutants, block = [], None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")

    def close(b):
        if b is None:
            return
        missing = [k for k in ("id", "file", "what") if not b.get(k)]
        if missing or not b["old"]:
            raise ValueError("%s:%d: mutant block without %s" % (path, b["line"], ", ".join(missing or ["'-' lines"])))
        mutants.append(Mutant(b["id"], b["file"], b["what"], "\n".join(b["old"]), "\n".join(b["new"]), b["line"]))

    for n, text in enumerate(lines, 1):
        if block is None and (text.startswith("#") or not text.strip()):
            continue
        if not text.strip():
            close(block)
            block = None
            continue
        if block is None:
            block = {"old": [], "new": [], "line": n}
        key = text.split(":", 1)[0]
        if text[:1] in "-+":
            block["old" if text[0] == "-" else "new"].append(text[1:])
        elif key in ("id", "file", "what") and ":" in text:
            if block.get(key) or (block["old"] or block["new"]):
                raise ValueError("%s:%d: '%s:' out of place (blocks are separated by blank lines)" % (path, n, key))
            block[key] = text.split(":", 1)[1].strip()
        else:
            raise ValueError("%s:%d: expected 'id:', 'file:', 'what:', '-' or '+': %r" % (path, n, text))
    close(block)
    seen = {}
    for m in mutants:
        if m.id in seen:
            raise ValueError("%s:%d: duplicate id %s (first at line %d)" % (path, m.line, m.id, seen[m.id]))
        seen[m.id] = m.line
        if m.old == m.new:
            raise ValueError("%s:%d: %s: the replacement equals the snippet" % (path, m.line, m.id))
    return mutants


def stale_reason(m, tree):
    """None if m's snippet occurs exactly once in its file under tree, else why not."""
    p = os.path.join(tree, m.path)
    if not os.path.isfile(p):
        return "%s does not exist" % m.path
    with open(p, encoding="utf-8") as f:
        n = f.read().count(m.old)
    return None if n == 1 else "its snippet occurs %d times in %s (must be exactly once)" % (n, m.path)


# ---- the scratch tree and its build ----

def source_files():
    """Paths (relative to ROOT) to copy: git's tracked and non-ignored untracked files, or, outside a git
    checkout, every file but build directories and VCS metadata."""
    try:
        out = subprocess.run(["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             check=True, capture_output=True).stdout.decode()
        return sorted(set(p for p in out.split("\0") if p and os.path.isfile(os.path.join(ROOT, p))))
    except (OSError, subprocess.CalledProcessError):
        files = []
        for d, dirs, names in os.walk(ROOT):
            dirs[:] = [x for x in dirs if not (x.startswith("build") or x in (".git", "__pycache__"))]
            files += [os.path.relpath(os.path.join(d, x), ROOT) for x in names]
        return sorted(files)


def copy_tree(dst):
    for rel in source_files():
        target = os.path.join(dst, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), target)


def run_logged(cmd, log):
    """Run cmd with its output appended to log; returns its exit status."""
    with open(log, "ab") as out:
        out.write(("\n$ %s\n" % " ".join(cmd)).encode())
        out.flush()
        return subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode


def run_watched(cmd, log, stop, timeout, env):
    """Run `meson test` cmd with its output appended to log, line by line. When stop(line) is true, or after
    timeout seconds, meson gets SIGTERM: it cancels its running test (killing that test's process group)
    and exits; its own group gets SIGKILL only if it has not exited 30 s later. Returns (exit status,
    whether the backstop timeout fired)."""
    with open(log, "ab") as out:
        out.write(("\n$ %s\n" % " ".join(cmd)).encode())
        out.flush()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        fired = []

        def terminate():
            if proc.poll() is None:
                proc.terminate()

        def backstop():
            fired.append(True)
            terminate()

        timer = threading.Timer(timeout, backstop)
        timer.start()
        try:
            for raw in proc.stdout:
                out.write(raw)
                if stop(raw.decode(errors="replace")):
                    terminate()
        finally:  # also on Ctrl-C: meson runs in its own session, the terminal's SIGINT does not reach it
            timer.cancel()
            terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        return proc.returncode, bool(fired)


class Build:
    """The scratch copy, its one build directory, and the suite run in stages."""

    def __init__(self, scratch):
        self.src = os.path.join(scratch, "src")
        self.dir = os.path.join(scratch, "build")
        self.log = os.path.join(scratch, "log.txt")
        self.limits = {}     # test name -> seconds
        self.timeouts = {}   # test name -> meson's own timeout (seconds)
        self.env = dict(os.environ)
        self.env["TCONV_REQUIRE_TORCH"] = "1"
        self.env["TCONV_REQUIRE_ABIDIFF"] = "1"  # the ABI stage must run, not skip
        # OpenMP threads that sleep between regions: spinning ones make the tests crawl (10x) when other
        # jobs share the cores, as torch_oracle.py's worker does. Results do not depend on it.
        self.env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        for k in list(self.env):  # the default seed and every Check case: reproducible kills
            if k == "TCONV_TEST_SEED" or k.startswith("CK_"):
                del self.env[k]
        self.ninja = shutil.which("ninja") or shutil.which("ninja-build")
        self.meson = shutil.which("meson")
        self.output = ""     # the output of the last failing test

    def setup(self):
        meson = self.meson
        if not meson:
            raise RuntimeError("meson is not on PATH (README's set-up installs it)")
        if run_logged([meson, "setup", "-Dperf=false", "-Dtests=true", self.dir, self.src], self.log) != 0:
            raise RuntimeError("meson setup failed (see the log)")
        tests = json.loads(subprocess.run([meson, "introspect", "--tests", self.dir], check=True,
                                          capture_output=True, text=True).stdout)
        names = dict((t["name"], t) for t in tests)
        missing = [t for stage in STAGES for t in stage if t not in names]
        if missing:
            raise RuntimeError("the build defines no test named %s (torch-oracle needs /usr/bin/python3)" %
                               ", ".join(missing))
        for name, t in names.items():
            self.timeouts[name] = float(t.get("timeout") or 30) or 30.0

    def compile(self):
        cmd = [self.ninja, "-C", self.dir] if self.ninja else [self.meson, "compile", "-C", self.dir]
        return run_logged(cmd, self.log) == 0

    def run_stage(self, stage, baseline=False):
        """Runs one stage; returns (first bad test or None, its result, {test: seconds})."""
        if baseline:
            mult = 600.0 / min(self.timeouts[t] for t in stage)  # generous: nothing measured yet
        else:  # every test gets at least its own limit
            mult = max(self.limits[t] / self.timeouts[t] for t in stage)
        backstop = sum(self.timeouts[t] * mult for t in stage) + 120
        cmd = [self.meson, "test", "-C", self.dir, "--no-rebuild", "--maxfail", "1", "--num-processes", "1",
               "--timeout-multiplier", "%.6g" % mult] + stage
        testlog = os.path.join(self.dir, "meson-logs", "testlog.json")
        if os.path.exists(testlog):
            os.remove(testlog)
        # meson's --maxfail stops at a FAIL but not at a TIMEOUT: stop it there too
        timed_out = []

        def stop(line):
            m = TIMEOUT_LINE.match(line)
            if m:
                timed_out.append(m.group(1))
            return bool(m)

        st, hung = run_watched(cmd, self.log, stop, backstop, self.env)
        if timed_out:
            self.output = ""
            return timed_out[0], "TIMEOUT", {}
        results, times, output = {}, {}, {}
        if os.path.exists(testlog):
            with open(testlog, encoding="utf-8") as f:
                for line in f:
                    r = json.loads(line)
                    name = r["name"].split(" / ", 1)[-1]
                    results[name], times[name] = r["result"], r.get("duration", 0.0)
                    output[name] = (r.get("stdout") or "") + (r.get("stderr") or "")
        for t in stage:
            if results.get(t) in BAD:
                self.output = output[t]
                return t, results[t], times
        if hung:
            return stage[len(results)] if len(results) < len(stage) else stage[-1], "TIMEOUT", times
        if st != 0:
            return stage[0], "meson test exit status %d" % st, times
        if baseline:
            skipped = [t for t in stage if results.get(t) != "OK"]
            if skipped:
                return skipped[0], results.get(skipped[0], "not run"), times
        return None, None, times

    def run_suite(self, baseline=False):
        """(the test that failed, its result), or (None, None) when every stage passes."""
        for stage in STAGES:
            bad, res, times = self.run_stage(stage, baseline)
            if baseline:
                for t in stage:
                    self.limits[t] = max(MIN_LIMIT, LIMIT_FACTOR * times.get(t, MIN_LIMIT))
            if bad:
                return bad, res
        return None, None


def run_mutants(build, chosen, width, verbose):
    """Each mutant in the scratch tree, one after the other; returns the ids killed, survived and in error."""
    order = {}  # the mutants of one file in a row: one recompilation each
    for m in chosen:
        order.setdefault(m.path, len(order))
    chosen = sorted(chosen, key=lambda m: order[m.path])
    pristine, current = {}, None
    killed, survived, errors = [], [], []
    try:
        for k, m in enumerate(chosen, 1):
            t1 = time.time()
            head = "[%2d/%d] %-*s" % (k, len(chosen), width, m.id)
            if current and current != m.path:
                with open(os.path.join(build.src, current), "w", encoding="utf-8") as f:
                    f.write(pristine[current])
            current = m.path
            target = os.path.join(build.src, m.path)
            if m.path not in pristine:
                with open(target, encoding="utf-8") as f:
                    pristine[m.path] = f.read()
            if pristine[m.path].count(m.old) != 1:
                errors.append(m.id)
                print("%s STALE: its snippet does not occur exactly once in %s" % (head, m.path), flush=True)
                continue
            with open(target, "w", encoding="utf-8") as f:
                f.write(pristine[m.path].replace(m.old, m.new, 1))
            if not build.compile():
                errors.append(m.id)
                print("%s INVALID: does not compile (fix the mutant)" % head, flush=True)
                with open(build.log, encoding="utf-8", errors="replace") as f:
                    said = list(dict.fromkeys(x for x in f.read()[-20000:].splitlines() if "error:" in x))
                print("\n".join("    | " + x[:300] for x in said[:3]), flush=True)
                continue
            bad, res = build.run_suite()
            if bad:
                killed.append(m.id)
                verdict = "killed by %s%s" % (bad, "" if res == "FAIL" else " (%s)" % res)
            else:
                survived.append(m.id)
                verdict = "SURVIVED  (%s: %s)" % (m.path, m.what)
            print("%s %-40s %5.1f s" % (head, verdict, time.time() - t1), flush=True)
            if bad and verbose and build.output.strip():
                # the killing test's failure lines (Check's :F: and :E:, the oracle's FAIL), else its end
                lines = [x for x in build.output.splitlines() if x.strip()]
                fails = [x for x in lines if ":F:" in x or ":E:" in x or x.startswith("FAIL")]
                shown = fails[:6] + lines[-1:] if fails else lines[-8:]
                print("\n".join("    | " + x[:300] for x in shown), flush=True)
    finally:
        if current:
            with open(os.path.join(build.src, current), "w", encoding="utf-8") as f:
                f.write(pristine[current])
    return killed, survived, errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", action="append", default=[], metavar="ID", help="run only this mutant (repeat, or "
                    "comma-separate, for several)")
    ap.add_argument("--list", action="store_true", help="list the mutants and check their snippets, run nothing")
    ap.add_argument("--mutants", default=MUTANTS, metavar="FILE", help="another list in the same format (default "
                    "tests/mutation/mutants.txt)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory (its path is printed)")
    ap.add_argument("--verbose", action="store_true", help="print the end of the killing test's output")
    args = ap.parse_args()
    t0 = time.time()
    try:
        mutants = parse_mutants(args.mutants)
    except ValueError as e:
        print("mutation: %s" % e)
        return 1
    only = [x for arg in args.only for x in arg.split(",") if x]
    unknown = [x for x in only if x not in set(m.id for m in mutants)]
    if unknown:
        print("mutation: no mutant named %s (--list shows them)" % ", ".join(unknown))
        return 1
    chosen = [m for m in mutants if not only or m.id in only]
    stale = [(m, stale_reason(m, ROOT)) for m in chosen]
    stale = [(m, why) for m, why in stale if why]
    width = max(len(m.id) for m in mutants)
    if args.list:
        for m in chosen:
            print("%-*s  %-20s %s" % (width, m.id, m.path, m.what))
        print("%d mutants" % len(chosen))
    for m, why in stale:
        print("STALE  %s (%s line %d): %s" % (m.id, args.mutants, m.line, why))
    if stale or args.list:
        return 1 if stale else 0

    scratch = tempfile.mkdtemp(prefix="tconv-mutation-")
    build = Build(scratch)
    print("mutation: %d mutants; scratch %s" % (len(chosen), scratch), flush=True)
    try:
        copy_tree(build.src)
        build.setup()
        if not build.compile():
            print("mutation: the unmutated tree does not build (see the log)")
            return 1
        bad, res = build.run_suite(baseline=True)
        if bad:
            print("mutation: the unmutated suite fails: %s %s (see the log)" % (bad, res))
            if bad in ("torch-oracle", "torch-oracle-nd"):
                print("mutation: the torch oracle needs /usr/bin/python3 with torch and numpy "
                      "(Debian 12: apt-get install python3-torch python3-numpy)")
            return 1
        t_setup = time.time() - t0
        print("mutation: unmutated suite passes (set-up, build and suite %.0f s); per-test limits: %s" %
              (t_setup, ", ".join("%s %.0f s" % (t, build.limits[t]) for stage in STAGES for t in stage)),
              flush=True)
        killed, survived, errors = run_mutants(build, chosen, width, args.verbose)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        print("mutation: %s" % e)
        return 1
    finally:
        if args.keep:
            print("mutation: kept %s (log: %s)" % (scratch, build.log))
        else:
            if os.path.exists(build.log):  # the log outlives the scratch tree
                shutil.move(build.log, scratch + ".log")
            shutil.rmtree(scratch, ignore_errors=True)
            print("mutation: log %s.log" % scratch)
    if survived:
        print("survivors: %s: add a test that kills each (DEVELOPERS.md, \"Mutation run\")" % ", ".join(survived))
    if errors:
        print("mutants in error (stale, or not compiling): %s: fix them" % ", ".join(errors))
    print("mutation run: %.0f s" % (time.time() - t0))
    print("mutants: %d killed, %d survived" % (len(killed), len(survived)))
    return 1 if survived or errors else 0


if __name__ == "__main__":
    sys.exit(main())
