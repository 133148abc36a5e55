// Compiles the CUDA kernels as ordinary C++ for the host and runs one block of a launch's block
// size on host threads (one std::thread per CUDA thread, __syncthreads a barrier, __shared__
// variables function statics shared by the block, one block at a time). The grid-stride loops
// then cover every element with the launch's own thread count, and the block reductions and
// shared-memory tiles run with real concurrency, so their indexing and synchronisation can be
// checked without a GPU. A block whose threads pass different numbers of __syncthreads (a
// divergent barrier, undefined on a GPU) is reported. Not covered: warp-level behaviour, more
// than one block at a time, the GPU's memory model and math library.
#include <math.h>
#include <string.h>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

struct HostDim3 {
    unsigned x, y, z;
};
static thread_local HostDim3 threadIdx = {0, 0, 0};
static thread_local HostDim3 blockDim = {1, 1, 1};
static const HostDim3 blockIdx = {0, 0, 0};
static const HostDim3 gridDim = {1, 1, 1};

// A reusable barrier that threads leave when they return from the kernel, so a divergent
// __syncthreads cannot hang the test; each thread's count of barriers passed is compared after.
class BlockBarrier {
public:
    explicit BlockBarrier(int n) : active_(n) {}

    void sync() {
        std::unique_lock<std::mutex> lock(m_);
        long gen = generation_;
        if (++waiting_ >= active_) {
            release();
        } else {
            cv_.wait(lock, [&] { return generation_ != gen; });
        }
    }

    void leave() {
        std::unique_lock<std::mutex> lock(m_);
        active_--;
        if (waiting_ > 0 && waiting_ >= active_) {
            release();
        }
    }

private:
    void release() {
        waiting_ = 0;
        generation_++;
        cv_.notify_all();
    }

    std::mutex m_;
    std::condition_variable cv_;
    int active_;
    int waiting_ = 0;
    long generation_ = 0;
};

static thread_local BlockBarrier* currentBarrier = nullptr;
static thread_local long syncCount = 0;

#define __device__
#define __forceinline__ inline
#define __global__
#define __shared__ static
#define XPU_EXTERN_SHARED extern

static inline float __uint_as_float(unsigned u) { float f; memcpy(&f, &u, 4); return f; }
static inline float __int_as_float(int u) { float f; memcpy(&f, &u, 4); return f; }
static inline unsigned __float_as_uint(float f) { unsigned u; memcpy(&u, &f, 4); return u; }
static inline long long __double_as_longlong(double d) { long long l; memcpy(&l, &d, 8); return l; }
static inline double __longlong_as_double(long long l) { double d; memcpy(&d, &l, 8); return d; }
static inline int __clzll(long long x) { return x == 0 ? 64 : __builtin_clzll((unsigned long long) x); }
static inline void __syncthreads() { syncCount++; currentBarrier->sync(); }
static inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
static inline int atomicCAS(int* p, int expected, int value) {
    __atomic_compare_exchange_n(p, &expected, value, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return expected;
}
static inline int atomicExch(int* p, int value) { return __atomic_exchange_n(p, value, __ATOMIC_SEQ_CST); }

// Runs body on `threads` host threads as one block; returns 0, or 1 for divergent barriers.
static int runBlock(int threads, const std::function<void()>& body) {
    BlockBarrier barrier(threads);
    std::vector<long> counts(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; t++) {
        pool.emplace_back([&, t] {
            threadIdx = {(unsigned) t, 0, 0};
            blockDim = {(unsigned) threads, 1, 1};
            currentBarrier = &barrier;
            syncCount = 0;
            body();
            counts[t] = syncCount;
            barrier.leave();
        });
    }
    for (auto& th : pool) {
        th.join();
    }
    for (int t = 1; t < threads; t++) {
        if (counts[t] != counts[0]) {
            return 1;
        }
    }
    return 0;
}

extern "C" {
float dyn[1 << 16];
}

#include "elementwise.cu"
#include "reduce.cu"
#include "nn.cu"

// One entry per kernel: unpacks cuLaunchKernel's void** parameter array.
#define P(i, T) (*(T*) params[i])
extern "C" {
int launch_xpu_fill(void** params, int block) {
    return runBlock(block, [&] {
    xpu_fill(P(0, void*), P(1, i64), P(2, int), P(3, u64));
    });
}
int launch_xpu_copy(void** params, int block) {
    return runBlock(block, [&] {
    xpu_copy(P(0, const void*), P(1, void*), P(2, Dims), P(3, Strides), P(4, Strides), P(5, i64), P(6, int));
    });
}
int launch_xpu_cast(void** params, int block) {
    return runBlock(block, [&] {
    xpu_cast(P(0, const void*), P(1, void*), P(2, Dims), P(3, Strides), P(4, i64), P(5, int), P(6, int), P(7, int),
                 P(8, ErrorRecord*));
    });
}
int launch_xpu_unary(void** params, int block) {
    return runBlock(block, [&] {
    xpu_unary(P(0, const void*), P(1, void*), P(2, Dims), P(3, Strides), P(4, i64), P(5, int), P(6, int));
    });
}
int launch_xpu_binary(void** params, int block) {
    return runBlock(block, [&] {
    xpu_binary(P(0, const void*), P(1, const void*), P(2, void*), P(3, Dims), P(4, Strides), P(5, Strides),
                   P(6, i64), P(7, int), P(8, int), P(9, ErrorRecord*));
    });
}
int launch_xpu_compare(void** params, int block) {
    return runBlock(block, [&] {
    xpu_compare(P(0, const void*), P(1, const void*), P(2, unsigned char*), P(3, Dims), P(4, Strides),
                    P(5, Strides), P(6, i64), P(7, int), P(8, int));
    });
}
int launch_xpu_where(void** params, int block) {
    return runBlock(block, [&] {
    xpu_where(P(0, const unsigned char*), P(1, const void*), P(2, const void*), P(3, void*), P(4, Dims),
                  P(5, Strides), P(6, Strides), P(7, Strides), P(8, i64), P(9, int));
    });
}
int launch_xpu_reduce(void** params, int block) {
    return runBlock(block, [&] {
    xpu_reduce(P(0, const void*), P(1, void*), P(2, Dims), P(3, Strides), P(4, Dims), P(5, Strides), P(6, i64),
                   P(7, i64), P(8, int), P(9, int));
    });
}
int launch_xpu_argmax(void** params, int block) {
    return runBlock(block, [&] {
    xpu_argmax(P(0, const void*), P(1, i64*), P(2, Dims), P(3, Strides), P(4, i64), P(5, i64), P(6, i64), P(7, int));
    });
}
int launch_xpu_softmax(void** params, int block) {
    return runBlock(block, [&] {
    xpu_softmax(P(0, const void*), P(1, void*), P(2, i64), P(3, i64), P(4, i64), P(5, int), P(6, int));
    });
}
int launch_xpu_layer_norm(void** params, int block) {
    return runBlock(block, [&] {
    xpu_layer_norm(P(0, const void*), P(1, const void*), P(2, const void*), P(3, void*), P(4, i64), P(5, i64),
                       P(6, int), P(7, double), P(8, int), P(9, int), P(10, i64), P(11, i64));
    });
}
int launch_xpu_rms_norm(void** params, int block) {
    return runBlock(block, [&] {
    xpu_rms_norm(P(0, const void*), P(1, const void*), P(2, void*), P(3, i64), P(4, i64), P(5, int), P(6, double),
                     P(7, i64));
    });
}
int launch_xpu_rope(void** params, int block) {
    return runBlock(block, [&] {
    xpu_rope(P(0, const void*), P(1, const float*), P(2, const float*), P(3, void*), P(4, i64), P(5, i64), P(6, i64),
                 P(7, i64), P(8, i64), P(9, i64), P(10, i64), P(11, int), P(12, int));
    });
}
int launch_xpu_embedding(void** params, int block) {
    return runBlock(block, [&] {
    xpu_embedding(P(0, const void*), P(1, const void*), P(2, void*), P(3, i64), P(4, i64), P(5, i64), P(6, int),
                      P(7, int), P(8, ErrorRecord*));
    });
}
int launch_xpu_attention(void** params, int block) {
    return runBlock(block, [&] {
    xpu_attention(P(0, const void*), P(1, const void*), P(2, const void*), P(3, const void*), P(4, void*),
                      P(5, i64), P(6, i64), P(7, i64), P(8, i64), P(9, i64), P(10, i64), P(11, i64),
                      P(12, i64), P(13, i64), P(14, i64), P(15, i64), P(16, float), P(17, int), P(18, int), P(19, int));
    });
}
}
