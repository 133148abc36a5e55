#!/usr/bin/env bash
# xpu4j's checks on a machine with an NVIDIA GPU, run from the bundle that
# tools/gpu-verify/bundle.sh builds. Needs no Java (the bundle carries its runtime) and no network.
#
#   bash run-gpu-checks.sh [--models DIR]... [--quick] [--no-bench] [--no-torch]
#
#   --models DIR  a directory with all-minilm-l6-v2.onnx and all-minilm-l6-v2-tokenizer.json, or
#                 with pieces of the ONNX file named all-minilm-l6-v2.onnx.part-N (the bundle
#                 script writes two halves; give both directories). Without it the MiniLM checks
#                 are reported skipped.
#   --quick       fewer benchmark cases and shorter JMH iterations
#   --no-bench    conformance and MiniLM only
#   --no-torch    leave out the PyTorch eager MiniLM peer
#
# In order: the GPU and driver (nvidia-smi), the backends as xpu4j's probe sees them, the cuda
# conformance suite (JUnit console launcher), the MiniLM embedding test on every available backend,
# the cuda benchmarks with their peers (cuBLAS called directly, device-to-device copy), the PyTorch
# eager MiniLM throughput. Results go to $OUT when it is set, else to results/ beside this script:
#   summary.md        date, commit, GPU, driver, pass/fail/skip counts, benchmark medians
#   gpu-checks.log    everything printed
#   raw.tar.gz        the JUnit XML reports, JMH JSON files and the PyTorch JSON
# Exit status: 0 when nothing failed (skips included), 1 when a test or a step failed.
# Environment: XPU4J_CONFORMANCE_FILTER (regex of conformance cases), JMH_OPTS, TIMEOUT_TESTS,
# TIMEOUT_BENCH (seconds per step; defaults 240 and 300), DEADLINE_S (seconds for the whole run:
# each step's limit is cut to what is left, and the summary is rewritten after every step, so a
# run stopped from outside still leaves one), XPU4J_BENCH_BACKEND (default cuda; cpu
# runs the benchmark steps on a machine without a GPU, to try the bundle: the cuBLAS peers then
# fail their setup with the reason, which is what they must do there).
set -uo pipefail

BUNDLE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RESULTS=${OUT:-$BUNDLE/results}
MODEL_DIRS=()
QUICK=0
BENCH=1
TORCH=1
while [ $# -gt 0 ]; do
  case "$1" in
    --models) [ $# -ge 2 ] || { echo "--models needs a directory" >&2; exit 2; }
              MODEL_DIRS+=("$(cd "$2" 2>/dev/null && pwd || echo "$2")"); shift ;;
    --quick) QUICK=1 ;;
    --no-bench) BENCH=0 ;;
    --no-torch) TORCH=0 ;;
    *) echo "run-gpu-checks.sh: unknown argument '$1' (allowed: --models DIR, --quick, --no-bench, --no-torch)" >&2
       exit 2 ;;
  esac
  shift
done

mkdir -p "$RESULTS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xpu4j-gpu-checks.XXXXXX")
RAW=$WORK/raw
mkdir -p "$RAW/conformance" "$RAW/minilm" "$RAW/jmh"
trap 'rm -rf "$WORK"' EXIT

JAVA=$BUNDLE/jre/bin/java
FLAGS=(--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
CONSOLE=$BUNDLE/junit-console.jar
# main jars for everything; the conformance run leaves out the models tests, whose test backend
# would otherwise show up among the backends
MAIN_CP=$(ls "$BUNDLE"/lib/*.jar | grep -v -- '-tests\.jar$' | paste -sd: -)
CONF_CP=$MAIN_CP:$BUNDLE/lib/xpu4j-conformance-tests.jar
MODELS_CP=$MAIN_CP:$BUNDLE/lib/xpu4j-models-tests.jar

FAILED=0
BENCH_BACKEND=${XPU4J_BENCH_BACKEND:-cuda}
declare -A S   # summary fields

section() { printf '\n======== %s\n' "$*"; }

# Seconds a step may take: its own limit, cut to what is left of DEADLINE_S (counted from the
# start), so that a run inside a fixed time slot still ends with its summary written.
START=$(date +%s)
budget() {
  local want=$1 left
  [ -n "${DEADLINE_S:-}" ] || { echo "$want"; return; }
  left=$(( DEADLINE_S - ($(date +%s) - START) - 15 ))
  [ "$left" -lt 1 ] && left=1
  [ "$left" -lt "$want" ] && echo "$left" || echo "$want"
}

# "[  12 tests successful  ]" and friends from the console launcher's summary
count() { sed -n "s/^\[ *\([0-9][0-9]*\) $2 *\]$/\1/p" "$1" | tail -1; }

junit_counts() {
  local log=$1 ok failed aborted skipped cfailed
  ok=$(count "$log" 'tests successful'); failed=$(count "$log" 'tests failed')
  aborted=$(count "$log" 'tests aborted'); skipped=$(count "$log" 'tests skipped')
  cfailed=$(count "$log" 'containers failed')
  local extra=""
  [ "${cfailed:-0}" != 0 ] && extra=", $cfailed containers failed"
  [ -z "$ok" ] && extra="$extra (the launcher printed no summary)"
  echo "${ok:-0} passed, ${failed:-0} failed, $(( ${aborted:-0} + ${skipped:-0} )) skipped$extra"
  [ "${failed:-0}" = 0 ] && [ "${cfailed:-0}" = 0 ] && [ -n "$ok" ]
}

main() {
  section "xpu4j GPU checks"
  local info_commit
  info_commit=$(sed -n 's/^commit: //p' "$BUNDLE/BUILD-INFO" 2>/dev/null)
  S[date]=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  S[commit]=${info_commit:-unknown}
  echo "date:   ${S[date]}"
  echo "commit: ${S[commit]}"
  echo "bundle: $BUNDLE"
  echo "host:   $(uname -srm), $(nproc) CPUs"

  # ------------------------------------------------------------ GPU and driver
  section "GPU (nvidia-smi)"
  S[gpu]="none"
  S[driver]="none"
  HAVE_GPU=0
  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi || true
    local q
    q=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)
    if [ -n "$q" ]; then
      HAVE_GPU=1
      S[gpu]=$(echo "$q" | cut -d, -f1 | sed 's/^ *//')" ($(echo "$q" | cut -d, -f3 | sed 's/^ *//'))"
      S[driver]=$(echo "$q" | cut -d, -f2 | sed 's/^ *//')
      local cv
      cv=$(nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' | head -1)
      [ -n "$cv" ] && S[driver]="${S[driver]} (CUDA $cv)"
    else
      S[gpu]="none (nvidia-smi found no GPU)"
    fi
  else
    echo "nvidia-smi: not found (no NVIDIA driver on this machine)"
    S[gpu]="none (nvidia-smi not found)"
  fi

  # the driver library and cuBLAS/NVRTC: the usual install places, then the Python wheels
  local d libdirs=()
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu \
           /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
           /opt/torch/.venv/lib/python3*/site-packages/nvidia/*/lib \
           /opt/torch/.venv/lib/python3*/site-packages/nvidia/cu*/lib \
           /usr/local/lib/python3*/dist-packages/nvidia/*/lib; do
    [ -d "$d" ] && libdirs+=("$d")
  done
  if [ ${#libdirs[@]} -gt 0 ]; then
    export LD_LIBRARY_PATH=$(IFS=:; echo "${libdirs[*]}")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  fi
  [ -d /usr/local/cuda ] && export CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
  echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"

  # ------------------------------------------------------------ Java and the probe
  section "Java runtime and backends"
  if ! "$JAVA" -version; then
    echo "the bundle's Java runtime does not start"
    S[probe]="the bundle's Java runtime does not start"
    FAILED=1
    return
  fi
  local probe prc=0
  probe=$("$JAVA" "${FLAGS[@]}" -cp "$MAIN_CP" io.xpu4j.benchmarks.BackendProbe "$BENCH_BACKEND" 2>&1) || prc=$?
  CUDA_OK=0
  [ "$prc" = 0 ] && CUDA_OK=1
  echo "$probe"
  S[probe]=$(echo "$probe" | grep "^$BENCH_BACKEND:" | head -1)
  S[probe]=${S[probe]:-$BENCH_BACKEND: not reported by the probe}

  # ------------------------------------------------------------ conformance
  section "conformance suite on cuda"
  local log=$WORK/conformance.log
  timeout "$(budget "${TIMEOUT_TESTS:-240}")" "$JAVA" "${FLAGS[@]}" -Xmx8g \
    -Dxpu4j.conformance.filter="${XPU4J_CONFORMANCE_FILTER:-}" \
    -jar "$CONSOLE" execute --disable-banner --disable-ansi-colors --details=summary --class-path "$CONF_CP" \
    --select-class io.xpu4j.conformance.CudaConformanceTest --reports-dir "$RAW/conformance" > "$log" 2>&1
  local rc=$?
  cat "$log"
  S[conf]=$(junit_counts "$log") || FAILED=1
  [ $rc = 124 ] && { S[conf]="${S[conf]}; stopped at its time limit"; FAILED=1; }
  S[conf_line]=$(grep '^\[conformance\] backend cuda:' "$log" | head -1)
  [ -n "${S[conf_line]}" ] || S[conf_line]=$(grep '^\[conformance\]' "$log" | head -1)
  write_summary

  # ------------------------------------------------------------ MiniLM model files
  MODELS=""
  if [ ${#MODEL_DIRS[@]} -gt 0 ]; then
    MODELS=$WORK/models
    mkdir -p "$MODELS"
    local f base
    for d in "${MODEL_DIRS[@]}"; do
      for f in "$d"/*; do
        [ -f "$f" ] || continue
        case "$f" in
          *.part-*) ;;
          *) cp "$f" "$MODELS/" ;;
        esac
      done
    done
    # the pieces of each file, in part order, from whichever directory holds them
    for base in $(for d in "${MODEL_DIRS[@]}"; do ls "$d" 2>/dev/null; done | sed -n 's/\.part-[0-9]*$//p' | sort -u); do
      for d in "${MODEL_DIRS[@]}"; do ls "$d"/"$base".part-* 2>/dev/null; done \
        | awk -F'.part-' '{ print $NF "\t" $0 }' | sort -n | cut -f2- | xargs cat > "$MODELS/$base"
    done
    if [ -f "$MODELS/SHA256SUMS" ]; then
      (cd "$MODELS" && sha256sum -c SHA256SUMS) || { echo "the model files do not match their checksums"; MODELS=""; FAILED=1; }
    fi
    if [ -n "$MODELS" ] && { [ ! -f "$MODELS/all-minilm-l6-v2.onnx" ] || [ ! -f "$MODELS/all-minilm-l6-v2-tokenizer.json" ]; }; then
      echo "the model directories hold no all-minilm-l6-v2.onnx and tokenizer: ${MODEL_DIRS[*]}"
      MODELS=""
    fi
  fi

  # ------------------------------------------------------------ MiniLM embedding test
  section "MiniLM embedding test (every available backend)"
  if [ -n "$MODELS" ]; then
    log=$WORK/minilm.log
    timeout "$(budget "${TIMEOUT_TESTS:-240}")" "$JAVA" "${FLAGS[@]}" -Xmx8g -Dxpu4j.models.dir="$MODELS" \
      -jar "$CONSOLE" execute --disable-banner --disable-ansi-colors --details=tree --class-path "$MODELS_CP" \
      --select-method 'io.xpu4j.models.embed.EmbedderTest#publishedSimilaritiesAndBatchingOnEveryAvailableBackend' \
      --reports-dir "$RAW/minilm" > "$log" 2>&1
    rc=$?
    cat "$log"
    S[minilm]=$(junit_counts "$log") || FAILED=1
    [ $rc = 124 ] && { S[minilm]="${S[minilm]}; stopped at its time limit"; FAILED=1; }
    S[minilm_cuda]=$(grep -E 'all-minilm-l6-v2 on cuda' "$log" | head -1)
    if [ -z "${S[minilm_cuda]}" ]; then
      S[minilm_cuda]=$(grep -E 'backend cuda skipped' "$log" | head -1 | sed 's/^[^b]*backend/backend/')
    fi
  else
    echo "skipped: no model files (give --models DIR; see docs/verification/README.md)"
    S[minilm]="skipped: no model files given (--models)"
    S[minilm_cuda]=""
  fi
  write_summary

  # ------------------------------------------------------------ benchmarks
  section "benchmarks"
  S[bench]=""
  if [ "$BENCH" = 0 ]; then
    S[bench]="not run (--no-bench)"
  elif [ "$HAVE_GPU" = 0 ] && [ "$BENCH_BACKEND" = cuda ]; then
    echo "skipped: no GPU (${S[gpu]}); the cuda benchmarks and their cuBLAS peer need one"
    S[bench]="skipped: no GPU (${S[gpu]})"
  else
    local opts n_sq kn n_rows
    if [ "$QUICK" = 1 ]; then
      opts=${JMH_OPTS:--f 1 -wi 1 -i 3 -w 300ms -r 300ms -foe false}
      n_sq=2048; kn=4096; n_rows=16777216
    else
      opts=${JMH_OPTS:--f 1 -wi 2 -i 5 -w 500ms -r 500ms -foe false}
      n_sq=1024,4096; kn=4096; n_rows=16777216,67108864
    fi
    local -a O
    read -r -a O <<< "$opts"
    # xpu4j on cuda where the backend is available; the peers (cuBLAS, copies) whenever a GPU is
    local xp=""
    if [ "$CUDA_OK" = 1 ]; then
      xp=1
    else
      echo "the xpu4j $BENCH_BACKEND benchmarks are skipped (${S[probe]}); the peers run"
      S[bench]="xpu4j $BENCH_BACKEND benchmarks skipped (${S[probe]}); peers only. "
    fi
    jmh() {
      local name=$1; shift
      echo "-- JMH $name: $*"
      timeout "$(budget "${TIMEOUT_BENCH:-300}")" "$JAVA" "${FLAGS[@]}" -cp "$MAIN_CP" org.openjdk.jmh.Main "${O[@]}" \
        -rf json -rff "$RAW/jmh/$name.json" "$@" > "$WORK/jmh-$name.log" 2>&1
      [ $? = 124 ] && echo "JMH $name stopped at its time limit" | tee -a "$WORK/jmh-$name.log" >> "$WORK/jmh-failures.txt"
      # the log without per-iteration lines and stack frames; a benchmark whose setup failed shows
      # as its exception line (JMH goes on with the next one)
      grep -vE '^# (Warmup|Measurement) Iteration|^Iteration|^# (Warmup|Measurement|Timeout|Threads|VM|JMH|Blackhole|Benchmark mode)|^[[:space:]]+at |^REMEMBER|^(why|experiments|the benchmarking|Do not assume|NOTE|extra caution|works, and|different JVMs|modes can be)' \
        "$WORK/jmh-$name.log"
      grep -E '^[A-Za-z_$.]+(Exception|Error)(: |$)' "$WORK/jmh-$name.log" >> "$WORK/jmh-failures.txt"
      S[bench_table]=$("$JAVA" -cp "$MAIN_CP" io.xpu4j.benchmarks.GpuSummary "$RAW"/jmh/*.json 2>&1)
      write_summary
    }
    : > "$WORK/jmh-failures.txt"

    jmh gemm -p backend=$BENCH_BACKEND -p n=$n_sq \
      "CudaPeerBench\.(sgemm|gemm_half)_cublas${xp:+|GemmBench\.(sgemm|gemm_half)_xpu4j}"
    jmh skinny -p backend=$BENCH_BACKEND -p m=1,32 -p kn=$kn "CudaPeerBench\.skinny_cublas${xp:+|GemmBench\.skinny_xpu4j}"
    jmh rows -p backend=$BENCH_BACKEND -p n=$n_rows -p rows=4096 -p cols=4096 -p s=512 \
      "CudaPeerBench\.copy_dtod${xp:+|RowOpsBench\.(add|softmax|layernorm|rmsnorm|attention)_xpu4j}"
    if [ -n "$xp" ]; then
      jmh dispatch -p backend=$BENCH_BACKEND 'DispatchBench\.dispatch_(add|reshape)_xpu4j'
      if [ -n "$MODELS" ]; then
        XPU4J_MODELS_DIR=$MODELS jmh embed -p backend=$BENCH_BACKEND -p batch=32 'EmbedBench\.embed_xpu4j'
      fi
    fi
    local nfail
    nfail=$(wc -l < "$WORK/jmh-failures.txt")
    if [ "$nfail" != 0 ]; then
      S[bench]="${S[bench]}$nfail benchmark(s) did not run, their setup failed:"$'\n'$'\n'
      S[bench]="${S[bench]}$(sort "$WORK/jmh-failures.txt" | uniq -c | sed 's/^ *\([0-9]*\) \(.*\)/- \1 x \2/')"
      echo "${S[bench]}"
      [ "$HAVE_GPU" = 1 ] && FAILED=1
    fi
    S[bench_table]=$("$JAVA" -cp "$MAIN_CP" io.xpu4j.benchmarks.GpuSummary "$RAW"/jmh/*.json 2>&1)
    echo "${S[bench_table]}"
  fi

  # ------------------------------------------------------------ PyTorch eager MiniLM
  section "PyTorch eager MiniLM (peer)"
  S[torch]=""
  if [ "$TORCH" = 0 ]; then
    S[torch]="not run (--no-torch)"
  elif [ -z "$MODELS" ]; then
    echo "skipped: no model files"
    S[torch]="skipped: no model files given (--models)"
  elif ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import torch, onnx' 2>/dev/null; then
    echo "skipped: python3 with torch and onnx not found"
    S[torch]="skipped: python3 with torch and onnx not found"
  else
    if timeout "$(budget "${TIMEOUT_BENCH:-300}")" python3 "$BUNDLE/minilm_torch.py" --models "$MODELS" --batch 32 \
         --json "$RAW/torch.json" 2>&1; then
      S[torch]=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["summary"])' "$RAW/torch.json")
    else
      S[torch]="failed (see gpu-checks.log)"
      FAILED=1
    fi
  fi
}

write_summary() {
  {
    echo "# xpu4j GPU verification, ${S[date]}"
    echo
    echo "| | |"
    echo "| --- | --- |"
    echo "| commit | ${S[commit]} |"
    echo "| GPU | ${S[gpu]} |"
    echo "| driver | ${S[driver]} |"
    echo "| xpu4j probe | ${S[probe]:-} |"
    echo "| conformance (cuda) | ${S[conf]:-not run} |"
    echo "| MiniLM test | ${S[minilm]:-not run} |"
    echo "| result | $([ "$FAILED" = 0 ] && echo "nothing failed" || echo "FAILED") |"
    echo
    echo "## Conformance"
    echo
    echo "${S[conf_line]:-(the suite printed no summary line)}"
    echo
    echo "## MiniLM (all-MiniLM-L6-v2) on cuda"
    echo
    echo "${S[minilm_cuda]:-${S[minilm]:-not run}}"
    echo
    echo "## Benchmarks (medians)"
    echo
    [ -n "${S[bench]:-}" ] && { echo "${S[bench]}"; echo; }
    [ -n "${S[bench_table]:-}" ] && echo "${S[bench_table]}"
    echo
    echo "## PyTorch eager MiniLM, batch 32"
    echo
    echo "${S[torch]:-not run}"
  } > "$RESULTS/summary.md"
  tar -czf "$RESULTS/raw.tar.gz" -C "$WORK" raw
}

# main runs in this shell (not in a pipeline), so that what it records reaches the summary
exec 3>&1 4>&2
exec > >(tee "$RESULTS/gpu-checks.log") 2>&1
TEE=$!
CUDA_OK=0
HAVE_GPU=0
main
write_summary
section "summary ($RESULTS/summary.md)"
cat "$RESULTS/summary.md"
exec 1>&3 2>&4 3>&- 4>&-
wait "$TEE" 2>/dev/null
exit "$FAILED"
