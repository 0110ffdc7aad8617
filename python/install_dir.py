"""install_dir.py PREFIX - where a pure-Python package installed under PREFIX is found by this python3: the
first package directory of sys.path directly under PREFIX/lib (Debian: /usr/local/lib/python3.X/dist-packages
for /usr/local, /usr/lib/python3/dist-packages for /usr), else sysconfig's purelib for PREFIX (which then
needs PYTHONPATH)."""
import os
import sys
import sysconfig

prefix = os.path.normpath(sys.argv[1])
for entry in sys.path:
    rel = os.path.relpath(entry, prefix) if entry else ".."
    if rel.startswith("lib" + os.sep) and os.path.basename(entry) in ("dist-packages", "site-packages"):
        print(entry)
        break
else:
    print(sysconfig.get_path("purelib", "posix_prefix", vars={"base": prefix, "platbase": prefix}))
