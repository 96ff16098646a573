/*
 * flaghal/kernel/native_cpu_threads.h - how a native CPU kernel written in the
 * FlagHAL kernel language runs the threads of one block.
 *
 * The plugin calls a kernel once per block (flaghal_cpu_kernel.h). The block
 * runner below then runs the block's block_dim.x * .y * .z threads on the
 * calling host thread:
 *
 * 1. Thread 0 runs on a fiber (its own small stack).
 * 2. If it finishes without calling fh_barrier(), the kernel has no barrier in
 *    uniform control flow, so threads 1 .. n-1 simply run one after another
 *    on the host thread's stack ("direct" mode: a function call per thread).
 * 3. If it stops at fh_barrier(), every thread gets a fiber. The runner starts
 *    threads 1 .. n-1, each running until its first barrier, then resumes all
 *    of them in thread order, round after round, each until its next barrier
 *    or its end, until all have finished. A thread that has finished no longer
 *    holds the others back (as CUDA treats exited threads).
 *
 * A barrier reached in direct mode (by a thread other than 0 when thread 0
 * never reached one) is divergent control flow around a barrier, undefined in
 * every target language: the runner fails the launch (ctx->fail) with a
 * message naming the thread.
 *
 * Fibers switch with a few instructions of assembly on x86-64 (the
 * callee-saved registers of the SysV ABI) and with ucontext's swapcontext elsewhere (or when FH_CPU_FIBERS_UCONTEXT is
 * defined; the tests build both). Fiber stacks are FH_CPU_FIBER_STACK_BYTES
 * (64 KiB unless defined) with a guard page below each, in arenas that the
 * module keeps in a pool and unmaps when it is unloaded.
 *
 * Everything here is static: each translation unit that includes it (one per
 * kernel) has its own copy, so several kernels link into one module freely.
 */
#ifndef FLAGHAL_KERNEL_NATIVE_CPU_THREADS_H_
#define FLAGHAL_KERNEL_NATIVE_CPU_THREADS_H_

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#if !defined(__x86_64__) && !defined(FH_CPU_FIBERS_UCONTEXT)
#define FH_CPU_FIBERS_UCONTEXT 1
#endif
#ifdef FH_CPU_FIBERS_UCONTEXT
#include <ucontext.h>
#endif

/* Under valgrind, fiber stacks must be registered or every access to them
 * looks like one outside the stack; valgrind.h comes with valgrind, and its
 * requests cost a few instructions outside it. */
#if defined(__has_include) && !defined(FH_CPU_NO_VALGRIND)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define FH_CPU_VALGRIND 1
#endif
#endif

#ifndef FH_CPU_FIBER_STACK_BYTES
#define FH_CPU_FIBER_STACK_BYTES (64u * 1024u)
#endif
/* Parameters of at most this many bytes are zero-padded on the stack when
 * the launch's blob is shorter (the CPU plugin's max_kernel_args_size). */
#define FH_CPU_MAX_PADDED_ARGS 4096u

typedef struct fh_uvec3 {
    uint32_t x, y, z;
} fh_uvec3;

/* What every thread of the running block shares. */
typedef struct fh_cpu_block {
    fh_uvec3 block_idx, block_dim, grid_dim;
    /* The argument blob and its length as launched. */
    const void *args;
    size_t args_size;
    /* ctx->shared_memory_size: all of it is dynamic (FH_SHARED arrays are
     * thread-local storage, so the kernel's static_shared_bytes is 0). */
    size_t dynamic_shared_size;
} fh_cpu_block_t;

typedef struct fh_cpu_thread {
    fh_uvec3 thread_idx;
    const fh_cpu_block_t *block;
} fh_cpu_thread_t;

/* The thread the host thread is running now (threadIdx, blockIdx, ...). */
static _Thread_local const fh_cpu_thread_t *fh_cpu_current_thread;

/* ---- Fiber contexts ---------------------------------------------------- */

/* The first function every fiber runs (below); it never returns. */
static void fh_cpu_fiber_main(void *arg);

#ifdef FH_CPU_FIBERS_UCONTEXT
typedef struct fh_cpu_context {
    ucontext_t uc;
} fh_cpu_context_t;

static void fh_cpu_context_switch(fh_cpu_context_t *save, fh_cpu_context_t *load) {
    if (swapcontext(&save->uc, &load->uc) != 0) abort();
}

static void fh_cpu_uc_trampoline(unsigned lo, unsigned hi) {
    fh_cpu_fiber_main((void *)(((uintptr_t)hi << 32) | (uintptr_t)lo));
}

static void fh_cpu_context_make(fh_cpu_context_t *c, void *stack, size_t size, void *arg) {
    uintptr_t bits = (uintptr_t)arg;
    if (getcontext(&c->uc) != 0) abort();
    c->uc.uc_stack.ss_sp = stack;
    c->uc.uc_stack.ss_size = size;
    c->uc.uc_link = NULL;
    makecontext(&c->uc, (void (*)(void))fh_cpu_uc_trampoline, 2, (unsigned)(bits & 0xFFFFFFFFu),
                (unsigned)(bits >> 32));
}
#else
typedef struct fh_cpu_context {
    void *sp;
} fh_cpu_context_t;

/* Saves the callee-saved registers on the current stack and its pointer in
 * save->sp, then continues on the stack load->sp, restoring what was saved
 * there. Frame, from low to high address: r15, r14, r13, r12, rbx, rbp,
 * return address. MXCSR and the x87 control word, callee-saved too in the
 * SysV ABI, are not switched: the kernel language cannot change them, so
 * every fiber of a host thread runs with that thread's settings. */
__attribute__((naked, noinline, used)) static void fh_cpu_fiber_switch(void **save_sp __attribute__((unused)),
                                                                       void *load_sp __attribute__((unused))) {
    __asm__ volatile(
        "pushq %rbp\n\t"
        "pushq %rbx\n\t"
        "pushq %r12\n\t"
        "pushq %r13\n\t"
        "pushq %r14\n\t"
        "pushq %r15\n\t"
        "movq %rsp, (%rdi)\n\t"
        "movq %rsi, %rsp\n\t"
        "popq %r15\n\t"
        "popq %r14\n\t"
        "popq %r13\n\t"
        "popq %r12\n\t"
        "popq %rbx\n\t"
        "popq %rbp\n\t"
        "ret\n\t");
}

/* First code of a new fiber: r13 = fh_cpu_fiber_main, r12 = its argument,
 * and the stack 16-byte aligned, so the call meets the SysV ABI. The entry
 * never returns. */
__attribute__((naked, noinline, used)) static void fh_cpu_fiber_trampoline(void) {
    __asm__ volatile(
        "movq %r12, %rdi\n\t"
        "callq *%r13\n\t"
        "ud2\n\t");
}

static void fh_cpu_context_switch(fh_cpu_context_t *save, fh_cpu_context_t *load) {
    fh_cpu_fiber_switch(&save->sp, load->sp);
}

static void fh_cpu_context_make(fh_cpu_context_t *c, void *stack, size_t size, void *arg) {
    /* Popped by the first switch into it: six registers, then the return
     * address. After the ret, the stack pointer is `top`, 16-byte aligned. */
    uint64_t *top = (uint64_t *)(((uintptr_t)stack + size) & ~(uintptr_t)15);
    uint64_t *sp = top - 7;
    sp[0] = 0;                                          /* r15 */
    sp[1] = 0;                                          /* r14 */
    sp[2] = (uint64_t)(uintptr_t)&fh_cpu_fiber_main;    /* r13 */
    sp[3] = (uint64_t)(uintptr_t)arg;                   /* r12 */
    sp[4] = 0;                                          /* rbx */
    sp[5] = 0;                                          /* rbp */
    sp[6] = (uint64_t)(uintptr_t)&fh_cpu_fiber_trampoline; /* return address */
    c->sp = sp;
}
#endif

/* ---- Fibers and their arenas ------------------------------------------- */

/* A fiber is NEW (its thread has not started: no context yet), RUNNING or
 * suspended at a barrier, or DONE. */
enum { FH_CPU_FIBER_NEW = 0, FH_CPU_FIBER_STARTED = 1, FH_CPU_FIBER_DONE = 2 };

typedef struct fh_cpu_fiber {
    fh_cpu_context_t context;
    fh_cpu_thread_t thread;
    int state;
    /* The ring of fibers whose threads have not finished, in thread order. */
    struct fh_cpu_fiber *next, *prev;
    /* Its stack's registration with valgrind (FH_CPU_VALGRIND). */
    unsigned valgrind_stack;
} fh_cpu_fiber_t;

typedef struct fh_cpu_arena {
    struct fh_cpu_arena *next_free;
    struct fh_cpu_arena *next_all;
    unsigned char *region;
    size_t region_bytes;
    /* Each fiber's slot: a guard page, then its stack. */
    size_t slot_bytes;
    size_t guard_bytes;
    uint32_t capacity;
    fh_cpu_fiber_t fibers[];
} fh_cpu_arena_t;

static atomic_flag fh_cpu_arena_lock = ATOMIC_FLAG_INIT;
static fh_cpu_arena_t *fh_cpu_free_arenas;
static fh_cpu_arena_t *fh_cpu_all_arenas;

static void fh_cpu_arena_lock_take(void) {
    while (atomic_flag_test_and_set_explicit(&fh_cpu_arena_lock, memory_order_acquire)) {
    }
}

static void fh_cpu_arena_lock_give(void) { atomic_flag_clear_explicit(&fh_cpu_arena_lock, memory_order_release); }

/* An arena with at least `threads` fiber slots, or NULL when out of memory. */
static fh_cpu_arena_t *fh_cpu_arena_acquire(uint32_t threads) {
    fh_cpu_arena_t **link, *arena = NULL;
    size_t page = (size_t)sysconf(_SC_PAGESIZE), slot, bytes;
    uint32_t capacity = 64, i;
    fh_cpu_arena_lock_take();
    for (link = &fh_cpu_free_arenas; *link != NULL; link = &(*link)->next_free) {
        if ((*link)->capacity >= threads) {
            arena = *link;
            *link = arena->next_free;
            break;
        }
    }
    fh_cpu_arena_lock_give();
    if (arena != NULL) return arena;
    while (capacity < threads) capacity *= 2;
    slot = ((FH_CPU_FIBER_STACK_BYTES + page - 1) / page) * page + page; /* stack + guard page */
    bytes = slot * capacity;
    arena = (fh_cpu_arena_t *)calloc(1, sizeof(fh_cpu_arena_t) + sizeof(fh_cpu_fiber_t) * capacity);
    if (arena == NULL) return NULL;
    arena->region = (unsigned char *)mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (arena->region == (unsigned char *)MAP_FAILED) {
        free(arena);
        return NULL;
    }
    for (i = 0; i < capacity; ++i) {
        /* The lowest page of each slot stays inaccessible: an overflowing
         * stack faults instead of writing into its neighbour. */
        mprotect(arena->region + slot * i, page, PROT_NONE);
#ifdef FH_CPU_VALGRIND
        arena->fibers[i].valgrind_stack =
            VALGRIND_STACK_REGISTER(arena->region + slot * i + page, arena->region + slot * (i + 1));
#endif
    }
    arena->region_bytes = bytes;
    arena->slot_bytes = slot;
    arena->guard_bytes = page;
    arena->capacity = capacity;
    fh_cpu_arena_lock_take();
    arena->next_all = fh_cpu_all_arenas;
    fh_cpu_all_arenas = arena;
    fh_cpu_arena_lock_give();
    return arena;
}

static void fh_cpu_arena_release(fh_cpu_arena_t *arena) {
    fh_cpu_arena_lock_take();
    arena->next_free = fh_cpu_free_arenas;
    fh_cpu_free_arenas = arena;
    fh_cpu_arena_lock_give();
}

/* Runs when the module is unloaded; the plugin unloads a module only after
 * every launch of it has finished, so no arena is in use. */
__attribute__((destructor)) static void fh_cpu_arenas_unmap(void) {
    fh_cpu_arena_t *arena = fh_cpu_all_arenas, *next;
    for (; arena != NULL; arena = next) {
        next = arena->next_all;
#ifdef FH_CPU_VALGRIND
        {
            uint32_t i;
            for (i = 0; i < arena->capacity; ++i) VALGRIND_STACK_DEREGISTER(arena->fibers[i].valgrind_stack);
        }
#endif
        munmap(arena->region, arena->region_bytes);
        free(arena);
    }
    fh_cpu_all_arenas = NULL;
    fh_cpu_free_arenas = NULL;
}

/* ---- Dynamic shared memory slots --------------------------------------- */

#define FH_CPU_MAX_DYNAMIC_SHARED 16
static void **(*fh_cpu_dynamic_shared_slots[FH_CPU_MAX_DYNAMIC_SHARED])(void);
static unsigned fh_cpu_dynamic_shared_count;
static int fh_cpu_dynamic_shared_overflow;

static inline void fh_cpu_register_dynamic_shared(void **(*slot)(void)) {
    if (fh_cpu_dynamic_shared_count < FH_CPU_MAX_DYNAMIC_SHARED) {
        fh_cpu_dynamic_shared_slots[fh_cpu_dynamic_shared_count++] = slot;
    } else {
        fh_cpu_dynamic_shared_overflow = 1;
    }
}

/* ---- The block runner -------------------------------------------------- */

typedef void (*fh_cpu_thread_fn_t)(const void *args);

typedef struct fh_cpu_scheduler {
    /* The runner's own context, resumed when the block is finished (or when
     * thread 0 finishes without a barrier). */
    fh_cpu_context_t context;
    fh_cpu_arena_t *arena;
    fh_cpu_fiber_t *running;
    const fh_cpu_block_t *block;
    uint32_t threads;
    fh_cpu_thread_fn_t fn;
    const void *args;
    /* Some thread has reached fh_barrier(). */
    int barrier_seen;
    /* Threads run as plain calls (thread 0 finished without a barrier). */
    int direct;
    /* A barrier was reached in direct mode; the thread that did. */
    int diverged;
    fh_uvec3 diverged_thread;
} fh_cpu_scheduler_t;

static _Thread_local fh_cpu_scheduler_t *fh_cpu_scheduler;

/* Continues on fiber `to` (starting its thread if it is NEW), saving the
 * running context in `from`. */
static inline void fh_cpu_switch_to(fh_cpu_scheduler_t *s, fh_cpu_context_t *from, fh_cpu_fiber_t *to) {
    if (to->state == FH_CPU_FIBER_NEW) {
        fh_cpu_arena_t *arena = s->arena;
        size_t index = (size_t)(to - arena->fibers);
        fh_cpu_context_make(&to->context, arena->region + arena->slot_bytes * index + arena->guard_bytes,
                            arena->slot_bytes - arena->guard_bytes, to);
        to->state = FH_CPU_FIBER_STARTED;
    }
    s->running = to;
    fh_cpu_current_thread = &to->thread;
    fh_cpu_context_switch(from, &to->context);
}

/* The thread after t in linear order (x fastest, then y, then z). */
static inline void fh_cpu_next_thread(fh_uvec3 *t, fh_uvec3 dim) {
    if (++t->x == dim.x) {
        t->x = 0;
        if (++t->y == dim.y) {
            t->y = 0;
            ++t->z;
        }
    }
}

/* Puts threads 1 .. n-1 into the ring after thread 0, which has just
 * reached the block's first barrier. */
static void fh_cpu_build_ring(fh_cpu_scheduler_t *s) {
    fh_cpu_fiber_t *first = &s->arena->fibers[0];
    uint32_t t;
    for (t = 1; t < s->threads; ++t) {
        fh_cpu_fiber_t *f = &s->arena->fibers[t];
        f->thread.thread_idx = f[-1].thread.thread_idx;
        fh_cpu_next_thread(&f->thread.thread_idx, s->block->block_dim);
        f->thread.block = s->block;
        f->state = FH_CPU_FIBER_NEW;
        f->prev = f - 1;
        f->next = first;
        f[-1].next = f;
        first->prev = f;
    }
}

/* fh_barrier(): hands the host thread to the next unfinished thread of the
 * ring. Going round the ring in thread order, every thread reaches barrier k
 * before any passes it. */
static inline void fh_cpu_barrier(void) {
    fh_cpu_scheduler_t *s = fh_cpu_scheduler;
    fh_cpu_fiber_t *f;
    if (s->direct) {
        if (!s->diverged) {
            s->diverged = 1;
            s->diverged_thread = fh_cpu_current_thread->thread_idx;
        }
        return;
    }
    if (!s->barrier_seen) {
        s->barrier_seen = 1;
        fh_cpu_build_ring(s);
    }
    f = s->running;
    if (f->next != f) fh_cpu_switch_to(s, &f->context, f->next);
}

static void fh_cpu_fiber_main(void *arg) {
    fh_cpu_fiber_t *f = (fh_cpu_fiber_t *)arg;
    fh_cpu_scheduler_t *s = fh_cpu_scheduler;
    s->fn(s->args);
    f->state = FH_CPU_FIBER_DONE;
    s = fh_cpu_scheduler;
    if (s->barrier_seen && f->next != f) {
        /* Leave the ring and let the next thread go on. */
        f->prev->next = f->next;
        f->next->prev = f->prev;
        fh_cpu_switch_to(s, &f->context, f->next);
    } else {
        fh_cpu_context_switch(&f->context, &s->context);
    }
    abort(); /* a finished fiber is never resumed */
}


static void fh_cpu_fail(const fh_cpu_kernel_context_t *ctx, const char *message) {
    if (ctx->fail != NULL) ctx->fail(ctx, message);
}

/* Runs every thread of the block `ctx` describes: fn(args) per thread, where
 * args is the blob, zero-padded to params_size bytes when the launch passed
 * fewer. */
static void fh_cpu_run_block(const fh_cpu_kernel_context_t *ctx, const void *args, size_t params_size,
                             fh_cpu_thread_fn_t fn) {
    _Alignas(16) unsigned char padded[FH_CPU_MAX_PADDED_ARGS];
    fh_cpu_block_t block;
    fh_cpu_scheduler_t scheduler;
    fh_cpu_scheduler_t *outer = fh_cpu_scheduler;
    const fh_cpu_thread_t *outer_thread = fh_cpu_current_thread;
    fh_cpu_arena_t *arena;
    fh_cpu_fiber_t *fiber;
    uint32_t threads, t;
    unsigned slot;
    size_t given = ctx->struct_size >= offsetof(fh_cpu_kernel_context_t, args_size) + sizeof(size_t)
                       ? ctx->args_size
                       : params_size;

    if (fh_cpu_dynamic_shared_overflow) {
        fh_cpu_fail(ctx, "more than 16 FH_DYNAMIC_SHARED arrays in one kernel source");
        return;
    }
    if (given < params_size) {
        if (params_size > sizeof padded) {
            fh_cpu_fail(ctx, "the parameter struct is larger than 4096 bytes and the blob is shorter than it");
            return;
        }
        memset(padded, 0, params_size);
        if (given > 0) memcpy(padded, args, given);
        args = padded;
    }
    block.block_idx.x = ctx->block_idx[0];
    block.block_idx.y = ctx->block_idx[1];
    block.block_idx.z = ctx->block_idx[2];
    block.block_dim.x = ctx->block_dim[0];
    block.block_dim.y = ctx->block_dim[1];
    block.block_dim.z = ctx->block_dim[2];
    block.grid_dim.x = ctx->grid_dim[0];
    block.grid_dim.y = ctx->grid_dim[1];
    block.grid_dim.z = ctx->grid_dim[2];
    block.args = args;
    block.args_size = given;
    block.dynamic_shared_size = ctx->shared_memory_size;
    for (slot = 0; slot < fh_cpu_dynamic_shared_count; ++slot) {
        *fh_cpu_dynamic_shared_slots[slot]() = ctx->shared_memory;
    }
    threads = block.block_dim.x * block.block_dim.y * block.block_dim.z;
    arena = fh_cpu_arena_acquire(threads);
    if (arena == NULL) {
        fh_cpu_fail(ctx, "out of memory for the fiber stacks of a block");
        return;
    }
    memset(&scheduler, 0, sizeof scheduler);
    scheduler.arena = arena;
    scheduler.fn = fn;
    scheduler.args = args;
    fh_cpu_scheduler = &scheduler;

    /* Thread 0 alone on a fiber first: the ring holds just it. */
    scheduler.block = &block;
    scheduler.threads = threads;
    fiber = &arena->fibers[0];
    memset(&fiber->thread.thread_idx, 0, sizeof(fh_uvec3));
    fiber->thread.block = &block;
    fiber->state = FH_CPU_FIBER_NEW;
    fiber->next = fiber->prev = fiber;
    fh_cpu_switch_to(&scheduler, &scheduler.context, fiber);
    if (!scheduler.barrier_seen) {
        /* Thread 0 finished without a barrier: the rest are plain calls. */
        fh_cpu_thread_t thread = fiber->thread;
        scheduler.direct = 1;
        fh_cpu_current_thread = &thread;
        for (t = 1; t < threads; ++t) {
            fh_cpu_next_thread(&thread.thread_idx, block.block_dim);
            fn(args);
        }
    }
    fh_cpu_arena_release(arena);
    fh_cpu_scheduler = outer;
    fh_cpu_current_thread = outer_thread;
    if (scheduler.diverged) {
        char message[160];
        snprintf(message, sizeof message,
                 "fh_barrier() reached by thread (%u, %u, %u) of a block whose thread 0 finished without one "
                 "(a barrier in divergent control flow)",
                 scheduler.diverged_thread.x, scheduler.diverged_thread.y, scheduler.diverged_thread.z);
        fh_cpu_fail(ctx, message);
    }
}

#endif /* FLAGHAL_KERNEL_NATIVE_CPU_THREADS_H_ */
