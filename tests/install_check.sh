#!/usr/bin/env bash
# Install into a temporary prefix and build the worked example of phaselab.h against it with
# pkg-config (what a user of the library does).
set -eu
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
src=$(dirname "$0")/../include/phaselab/phaselab.h
python3 - "$src" "$prefix/example.c" <<'PY'
import sys
s = open(sys.argv[1]).read()
code = s.split(" *     #include <phaselab/phaselab.h>")[1].split(" * The same through")[0]
body = [l[7:] if l.startswith(" *     ") else "" for l in code.splitlines()]
open(sys.argv[2], "w").write("#include <phaselab/phaselab.h>\n" + "\n".join(body))
PY
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cc -std=c11 -Wall -Wextra -Werror "$prefix/example.c" -o "$prefix/example" \
   $(pkg-config --cflags --libs phaselab) -Wl,-rpath,"$prefix/lib"
"$prefix/example" | grep -q "overlap^2" && echo "install_check: 1 passed, 0 failed"
test -x "$prefix/bin/phaselab"
