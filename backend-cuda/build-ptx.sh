#!/usr/bin/env bash
# Packages the CUDA C kernel sources of native/cuda as classpath resources and, where nvcc is
# installed, compiles each to PTX for compute_80 and compute_90. Without nvcc the sources alone are
# packaged and NVRTC compiles them when a device first needs them.
#
# usage: build-ptx.sh <kernel source dir> <output dir>
set -euo pipefail

src="$1"
out="$2"
mkdir -p "$out"
cp "$src"/*.cu "$src"/*.cuh "$out"/

if ! command -v nvcc >/dev/null 2>&1; then
    echo "[build-ptx] nvcc not found: PTX not built; NVRTC will compile at run time"
    exit 0
fi

for cu in "$src"/*.cu; do
    name="$(basename "$cu" .cu)"
    for arch in compute_80 compute_90; do
        target="$out/$name.$arch.ptx"
        if [ -f "$target" ] && [ "$target" -nt "$cu" ] && [ "$target" -nt "$src/xpu4j_common.cuh" ]; then
            continue
        fi
        nvcc -ptx -std=c++17 -arch="$arch" -I"$src" -o "$target" "$cu"
        echo "[build-ptx] $name.cu -> $name.$arch.ptx"
    done
done
