#!/usr/bin/env bash
# Figures from the command line: run --plot draws the experiment's own figure; plot --store
# without --x/--y redraws it from the store (same size); thirteen curves are all drawn (split
# over panels); a bad plot file is refused; --progress writes progress lines.
bin=$1
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# PNG width and height from the IHDR chunk
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}'; }
is_png() { [ "$(od -An -c -N4 "$1" | tr -d ' ')" = "211PNG" ]; }

"$bin" run bbp beta=0.5:3:0.5 d=60 --seeds 2 --store "$dir/s.db" --format none --plot "$dir/run.png" 2>"$dir/err" || bad "run --plot: $(cat "$dir/err")"
is_png "$dir/run.png" && ok || bad "run --plot wrote no PNG"
"$bin" plot --store "$dir/s.db" bbp --out "$dir/redraw.png" 2>"$dir/err" || bad "plot --store: $(cat "$dir/err")"
is_png "$dir/redraw.png" && ok || bad "plot --store wrote no PNG"
[ "$(png_size "$dir/run.png")" = "$(png_size "$dir/redraw.png")" ] && ok || bad "redraw differs in size: $(png_size "$dir/run.png") vs $(png_size "$dir/redraw.png")"
"$bin" plot --store "$dir/s.db" bbp --out "$dir/sized.png" --width 640 --height 800 2>/dev/null
[ "$(png_size "$dir/sized.png")" = "640 800" ] && ok || bad "asked size: $(png_size "$dir/sized.png")"

# thirteen curves (d = 20..260): two panels per metric, nothing dropped
"$bin" run bbp model=wigner beta=0.5:2.5:0.5 d=20:260:20 --seeds 1 --format none --plot "$dir/many.png" 2>"$dir/err" || bad "13 curves: $(cat "$dir/err")"
is_png "$dir/many.png" && ok || bad "13 curves: no PNG"
read -r w h <<<"$(png_size "$dir/many.png")"
[ "$w" -gt "$h" ] && ok || bad "13 curves should be drawn as two panels side by side ($w x $h)"

# a bad plot file name is refused with its name
out=$("$bin" plot --store "$dir/s.db" bbp --out "$dir/x.gif" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "x.gif" && ok || bad "bad extension: rc=$rc $out"

# --progress: lines for logs, the last at 100%
"$bin" run bbp beta=1,2 d=30 --seeds 2 --format none --progress 2>"$dir/err" >/dev/null
grep -q "^progress: 6/6 groups (100%), elapsed .*, eta 0.0s$" "$dir/err" && ok || bad "progress lines: $(cat "$dir/err")"

echo "cli_figure: $pass passed, $fail failed"
[ $fail -eq 0 ]
