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
# The shared library exports only the public API: every dynamic symbol it defines is a pl_ name
# declared in an installed header, and internal helpers (e.g. the experiment tables, the sweep
# coordinator) are hidden.
so=$(ls "$prefix"/lib/libphaselab.so "$prefix"/lib/*/libphaselab.so 2>/dev/null | head -n1)
nm -D --defined-only "$so" | awk '{print $3}' | sort -u > "$prefix/exported.txt"
bad=$(grep -v '^pl_' "$prefix/exported.txt" || true)
test -z "$bad" || { echo "install_check: non-pl_ symbols exported: $bad"; exit 1; }
undeclared=$(while read -r sym; do
  grep -qw "$sym" "$prefix"/include/phaselab/*.h || echo "$sym"; done < "$prefix/exported.txt")
test -z "$undeclared" || { echo "install_check: exported but not declared: $undeclared"; exit 1; }
for internal in pl_exp_bbp pl_coord_accept; do
  if grep -qx "$internal" "$prefix/exported.txt"; then
    echo "install_check: internal symbol $internal is exported"; exit 1; fi
done
grep -qx pl_version "$prefix/exported.txt"
# ... and every public header opens its declarations with PL_BEGIN_DECLS (else what it declares
# would be hidden in the shared library and lack extern "C")
for h in "$prefix"/include/phaselab/*.h; do
  case $h in */api.h) continue ;; esac
  grep -q '^PL_BEGIN_DECLS' "$h" && grep -q '^PL_END_DECLS' "$h" || {
    echo "install_check: $(basename "$h") lacks PL_BEGIN_DECLS / PL_END_DECLS"; exit 1; }
done
echo "install_check: $(wc -l < "$prefix/exported.txt") exported symbols, all public"
# C++ callers: phaselab.h compiles as C++ (extern "C", no C-only constructs) and links.
if command -v g++ >/dev/null 2>&1; then
  cat > "$prefix/check.cpp" <<'CPP'
#include <phaselab/phaselab.h>
#include <cstdio>
#include <cstring>
int main()
{
    char err[256];
    pl_job *j = pl_job_new("bbp", err, sizeof err);
    if (!j || std::strcmp(pl_version(), "") == 0) return 1;
    std::printf("phaselab %s from C++: %zu experiments\n", pl_version(), pl_experiment_count());
    pl_job_free(&j);
    return 0;
}
CPP
  g++ -std=c++11 -Wall -Wextra -Werror "$prefix/check.cpp" -o "$prefix/check_cpp" \
     $(pkg-config --cflags --libs phaselab) -Wl,-rpath,"$prefix/lib"
  "$prefix/check_cpp" | grep -q "from C++" && echo "install_check: C++ check passed"
else
  echo "install_check: g++ not found, C++ check skipped"
fi
