#!/usr/bin/env bash
# Runs the standard benchmark set (xpu4j, OpenBLAS and the machine's limits, one after the
# other in one go), then writes the report:
#   benchmarks/target/jmh/results.json      JMH JSON of the kernels
#   benchmarks/target/jmh/limits-*.json     JMH JSON of the machine limits, before and after
#   benchmarks/target/report/performance.md the table
#   benchmarks/target/report/performance.svg the chart
# Builds benchmarks/target/benchmarks.jar first when it is missing or older than the sources
# (--no-build as the first argument runs the jar as it is). Other arguments go to JMH, e.g.
#   benchmarks/run.sh 'GemmBench.sgemm' -p n=1024
# Environment: PEER_CORETYPE, the OpenBLAS core type to benchmark (default: SkylakeX where the
# CPU has AVX-512, else Haswell; an OPENBLAS_CORETYPE inherited from the shell is not used, since
# a machine-wide setting such as Haswell on an AVX-512 CPU would halve the peer),
# JMH_OPTS (default: -f 1 -wi 2 -i 8 -w 1s -r 500ms: many short iterations, so that the median
# survives a neighbour's burst on a shared machine). OpenBLAS gets as many threads as xpu4j's
# CPU pool (all CPUs, or -Dxpu4j.internal.cpuThreads); OPENBLAS_NUM_THREADS overrides that.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

JAR=benchmarks/target/benchmarks.jar
OUT=benchmarks/target/jmh
REPORT=benchmarks/target/report

# a JDK 25 or newer: JAVA_HOME, then the usual install places, then java on the PATH
find_java() {
  local c v
  for c in "${JAVA_HOME:-}/bin/java" /usr/lib/jvm/*/bin/java "$HOME"/.jdks/*/bin/java \
           "$HOME"/.sdkman/candidates/java/*/bin/java "$(command -v java || true)"; do
    [ -x "$c" ] || continue
    v=$("$c" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then
      echo "$c"
      return 0
    fi
  done
  echo "run.sh: no JDK 25+ found (set JAVA_HOME)" >&2
  return 1
}
JAVA=$(find_java)

BUILD=1
if [ "${1:-}" = "--no-build" ]; then
  BUILD=0
  shift
fi
if [ ! -f "$JAR" ] || { [ "$BUILD" = 1 ] && [ -n "$(find runtime-api/src backend-cpu/src benchmarks/src benchmarks/pom.xml -newer "$JAR" -print -quit)" ]; }; then
  echo "== building $JAR"
  ./mvnw -B -q -pl benchmarks -am package -DskipTests </dev/null
fi

# OpenBLAS at its best on this CPU: its AVX-512 kernels where the CPU has AVX-512 (auto-detection
# may pick the AVX2 ones even there), else the AVX2 Haswell kernels (on Zen 3 these measured as
# fast as or faster than the "Zen" core type, which is what auto-detection picks here anyway).
if grep -qw avx512f /proc/cpuinfo; then BEST_CORETYPE=SkylakeX; else BEST_CORETYPE=Haswell; fi
if [ -n "${OPENBLAS_CORETYPE:-}" ] && [ "$OPENBLAS_CORETYPE" != "${PEER_CORETYPE:-$BEST_CORETYPE}" ]; then
  echo "== ignoring OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE from the environment: the peer runs as" \
       "${PEER_CORETYPE:-$BEST_CORETYPE} (set PEER_CORETYPE to choose another)" >&2
fi
OPENBLAS_CORETYPE=${PEER_CORETYPE:-$BEST_CORETYPE}
export OPENBLAS_CORETYPE

FLAGS=(--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
PEER=$("$JAVA" "${FLAGS[@]}" -cp "$JAR" io.xpu4j.benchmarks.OpenBlas 2>/dev/null | tail -1)
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
FAMILY=$(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -1)
SIMD=$(grep -m1 -ow -E 'avx512f' /proc/cpuinfo || grep -m1 -ow -E 'avx2' /proc/cpuinfo || echo "no AVX2")
echo "== $CPU (family $FAMILY, $SIMD), $(nproc) CPUs; $PEER"

mkdir -p "$OUT"
rm -f "$OUT"/*.json
read -r -a OPTS <<< "${JMH_OPTS:--f 1 -wi 2 -i 8 -w 1s -r 500ms}"
jmh() {
  "$JAVA" "${FLAGS[@]}" -jar "$JAR" "${OPTS[@]}" "$@" 2>&1 | tee -a "$OUT/log.txt"
}
: > "$OUT/log.txt"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)
# The limits are measured before and after the kernels; the report takes the best of both, so
# that a neighbour busy during one of them does not lower the bar.
jmh -rf json -rff "$OUT/limits-before.json" 'MachineLimits'
# CudaPeerBench (cuBLAS, device copies) needs an NVIDIA GPU: tools/gpu-verify runs it there
jmh -rf json -rff "$OUT/results.json" -e 'MachineLimits' -e 'CudaPeerBench' "$@"
jmh -rf json -rff "$OUT/limits-after.json" 'MachineLimits'
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== JMH took $(( $(date +%s) - start )) s; load average before $LOAD_BEFORE, after $LOAD_AFTER"

"$JAVA" -cp "$JAR" io.xpu4j.benchmarks.Report "$OUT/limits-before.json" "$OUT/results.json" "$OUT/limits-after.json" "$REPORT" \
  --note "CPU: $CPU, cpu family $FAMILY, widest SIMD $SIMD, $(nproc) CPUs visible, $(free -g | awk '/^Mem:/{print $2}') GiB RAM" \
  --note "Peer: $PEER (OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE)" \
  --note "Command: benchmarks/run.sh $*; JMH options: ${OPTS[*]}; took $(( $(date +%s) - start )) s" \
  --note "Load average (1, 5, 15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER (this run itself keeps about 2 busy; more means neighbours)"
