#!/usr/bin/env bash
# A 4 x 3 sweep (KSampler denoise x CFG) against the 12 separate `tessera run`s it replaces, on
# the tiny SD1.5 of the reference data (the img2img pipeline graph of tests/cli, 64x64, 10 steps):
# wall time and CPU time (user + sys, all threads) of each, printed as a table.
#   bench/sweep_bench.sh [BUILD_DIR] [extra `tessera run` options, e.g. --threads 1 --precision fp32]
source "$(dirname "$0")/tiny_models_setup.sh"
graph="$root/tests/cli/data/pipelines/img2img-euler-normal.json"
run=("$build/app/tessera" run "$graph" --models "$work/models" --input "$refdata/cases" -q "$@")

timed() {  # prints "wall user sys" of the command
    /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" >/dev/null
    cat "$work/time"
}

echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
sweep=$(timed "${run[@]}" --output "$work/sweep" --sweep KSampler.denoise=0.3:0.75:0.15 --sweep KSampler.cfg=4,7,10)
separate_wall=0 separate_cpu=0
for cfg in 4 7 10; do
    for denoise in 0.3 0.45 0.6 0.75; do
        read -r wall user sys <<<"$(timed "${run[@]}" --output "$work/separate" --set KSampler.denoise=$denoise --set KSampler.cfg=$cfg)"
        separate_wall=$(echo "$separate_wall + $wall" | bc)
        separate_cpu=$(echo "$separate_cpu + $user + $sys" | bc)
    done
done
read -r wall user sys <<<"$sweep"
sweep_cpu=$(echo "$user + $sys" | bc)
[ "$(ls "$work/sweep" | wc -l)" = 13 ] || { echo "the sweep did not write 12 cells and a sheet"; exit 1; }
[ "$(ls "$work/separate" | wc -l)" = 12 ] || { echo "the separate runs did not write 12 images"; exit 1; }
printf "| | wall (s) | CPU user+sys (s) |\n|---|---:|---:|\n"
printf "| 4 x 3 sweep, one process | %s | %s |\n" "$wall" "$sweep_cpu"
printf "| 12 separate runs | %s | %s |\n" "$separate_wall" "$separate_cpu"
printf "| ratio | %.1fx | %.1fx |\n" "$(echo "$separate_wall / $wall" | bc -l)" "$(echo "$separate_cpu / $sweep_cpu" | bc -l)"
