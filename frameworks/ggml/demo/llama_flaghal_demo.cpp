// llama-flaghal-demo: runs a GGUF model through llama.cpp on one ggml device
// and writes what scripts/llama-demo.sh compares.
//
//   llama-flaghal-demo --backend-dir DIR [--flaghal LIB] --list
//   llama-flaghal-demo --backend-dir DIR [--flaghal LIB] --model M.gguf
//       --device CPU|FlagHAL<n>[,FlagHAL<m>...] [--threads N] [--tokens N]
//       --logits OUT.f32
//
// --backend-dir holds ggml's CPU backend module (libggml-cpu*.so); --flaghal
// loads the FlagHAL backend module (libggml-flaghal.so) with
// ggml_backend_load(), as any llama.cpp program loads a backend. --device CPU
// is llama.cpp's own CPU backend alone (the FlagHAL module is not loaded
// then); FlagHAL<n> offloads every layer to that device, and ggml's scheduler
// runs on the CPU backend the nodes the device's supports_op declines.
// Several FlagHAL devices, comma-separated, split the layers among them in
// that order (llama.cpp's LLAMA_SPLIT_MODE_LAYER with shares 1, ..., 1, 2:
// llama.cpp splits the repeating layers and the output layer as one range,
// so the last device's extra share is the output layer, and the tiny
// 2-layer model puts layer 0 on the first of two devices, layer 1 and the
// output on the second): the activations then cross from one device to
// the next through the backend's cpy_tensor_async, and since every device
// has events and async compute, llama.cpp turns on pipeline parallelism
// (ggml's scheduler with several copies of each split's inputs, joined by
// the backend's events).
//
// The run: a fixed prompt (BOS and the bytes of a sentence, as byte tokens)
// is evaluated with the logits of every position, then --tokens greedy
// tokens are decoded one at a time. Flash attention is off, the KV cache f32.
// It runs once to warm up (buffers, kernel compilation), then --repeat
// measured passes (default 5), each from an empty KV cache; every measured
// pass must give the first one's tokens (a race in a backend would not), and
// the tokens/s printed are the medians over the passes.
// OUT.f32 gets the first measured pass's logits, float32 little-endian, one row of
// n_vocab per prompt position and then one per decoded token. stdout gets
// "key: value" lines: n_vocab, n_prompt, tokens (the greedy ids),
// prompt_tokens_per_s, decode_tokens_per_s.
#include "ggml-backend.h"
#include "llama.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct options {
    std::string backend_dir, flaghal, model, device, logits;
    int threads = 2;
    int n_tokens = 32;
    int repeat = 5;
    bool list = false;
    bool verbose = false;
};

[[noreturn]] void fail(const char *fmt, const char *arg) {
    std::fprintf(stderr, "llama-flaghal-demo: ");
    std::fprintf(stderr, fmt, arg);
    std::fprintf(stderr, "\n");
    std::exit(1);
}

options parse(int argc, char **argv) {
    options o;
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                fail("%s needs a value", a.c_str());
            }
            return argv[++i];
        };
        if (a == "--backend-dir") o.backend_dir = value();
        else if (a == "--flaghal") o.flaghal = value();
        else if (a == "--model") o.model = value();
        else if (a == "--device") o.device = value();
        else if (a == "--logits") o.logits = value();
        else if (a == "--threads") o.threads = std::atoi(value().c_str());
        else if (a == "--tokens") o.n_tokens = std::atoi(value().c_str());
        else if (a == "--repeat") o.repeat = std::atoi(value().c_str());
        else if (a == "--list") o.list = true;
        else if (a == "--verbose") o.verbose = true;
        else fail("unknown argument %s (see the header of llama_flaghal_demo.cpp)", a.c_str());
    }
    if (o.backend_dir.empty()) fail("%s", "--backend-dir is required");
    if (!o.list && (o.model.empty() || o.device.empty() || o.logits.empty()))
        fail("%s", "--model, --device and --logits are required");
    if (o.threads < 1 || o.n_tokens < 1 || o.repeat < 1) fail("%s", "--threads, --tokens and --repeat must be >= 1");
    return o;
}

bool g_verbose = false;

void log_cb(ggml_log_level level, const char *text, void *) {
    if (g_verbose || level == GGML_LOG_LEVEL_ERROR || level == GGML_LOG_LEVEL_WARN) {
        std::fputs(text, stderr);
    }
}

struct pass_result {
    std::vector<float> logits;
    std::vector<llama_token> tokens;
    double prompt_s = 0, decode_s = 0;
};

llama_token argmax(const float *row, int n) {
    return static_cast<llama_token>(std::max_element(row, row + n) - row);
}

void decode_or_die(llama_context *ctx, llama_batch batch) {
    const int32_t rc = llama_decode(ctx, batch);
    if (rc != 0) {
        std::fprintf(stderr, "llama-flaghal-demo: llama_decode failed (%d)\n", rc);
        std::exit(1);
    }
}

pass_result run_pass(llama_context *ctx, const std::vector<llama_token> &prompt, int n_vocab, int n_tokens) {
    using clock = std::chrono::steady_clock;
    pass_result r;
    llama_memory_clear(llama_get_memory(ctx), true);

    llama_batch batch = llama_batch_init(static_cast<int32_t>(prompt.size()), 0, 1);
    for (size_t i = 0; i < prompt.size(); i++) {
        batch.token[i] = prompt[i];
        batch.pos[i] = static_cast<llama_pos>(i);
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = true;
    }
    batch.n_tokens = static_cast<int32_t>(prompt.size());
    auto t0 = clock::now();
    decode_or_die(ctx, batch);
    for (size_t i = 0; i < prompt.size(); i++) {
        const float *row = llama_get_logits_ith(ctx, static_cast<int32_t>(i));
        r.logits.insert(r.logits.end(), row, row + n_vocab);
    }
    r.prompt_s = std::chrono::duration<double>(clock::now() - t0).count();
    llama_batch_free(batch);

    llama_token next = argmax(&r.logits[(prompt.size() - 1) * n_vocab], n_vocab);
    t0 = clock::now();
    for (int k = 0; k < n_tokens; k++) {
        r.tokens.push_back(next);
        decode_or_die(ctx, llama_batch_get_one(&next, 1));
        const float *row = llama_get_logits_ith(ctx, -1);
        r.logits.insert(r.logits.end(), row, row + n_vocab);
        next = argmax(row, n_vocab);
    }
    r.decode_s = std::chrono::duration<double>(clock::now() - t0).count();
    return r;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

ggml_backend_dev_t find_device(const std::string &name) {
    for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
        ggml_backend_dev_t d = ggml_backend_dev_get(i);
        if (name == ggml_backend_dev_name(d)) return d;
    }
    return nullptr;
}

} // namespace

int main(int argc, char **argv) {
    const options o = parse(argc, argv);
    g_verbose = o.verbose;
    llama_log_set(log_cb, nullptr);

    ggml_backend_load_all_from_path(o.backend_dir.c_str());
    if (ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU) == nullptr)
        fail("no CPU backend module in %s", o.backend_dir.c_str());
    const bool want_flaghal = o.list || o.device != "CPU";
    if (want_flaghal) {
        if (o.flaghal.empty()) fail("%s", "--flaghal LIB is required for --list and FlagHAL devices");
        if (ggml_backend_load(o.flaghal.c_str()) == nullptr) fail("cannot load the backend %s", o.flaghal.c_str());
    }
    if (o.list) {
        for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
            ggml_backend_dev_t d = ggml_backend_dev_get(i);
            if (std::strncmp(ggml_backend_dev_name(d), "FlagHAL", 7) == 0)
                std::printf("%s\t%s\n", ggml_backend_dev_name(d), ggml_backend_dev_description(d));
        }
        return 0;
    }

    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    std::vector<ggml_backend_dev_t> devices; // nullptr-terminated, as llama.cpp wants it
    std::vector<float> split;                 // one share per device
    if (o.device == "CPU") {
        mp.n_gpu_layers = 0;
    } else {
        for (size_t start = 0; start <= o.device.size();) {
            size_t end = o.device.find(',', start);
            if (end == std::string::npos) end = o.device.size();
            const std::string name = o.device.substr(start, end - start);
            ggml_backend_dev_t d = find_device(name);
            if (d == nullptr || std::strncmp(name.c_str(), "FlagHAL", 7) != 0)
                fail("no FlagHAL device named %s (try --list)", name.c_str());
            if (std::find(devices.begin(), devices.end(), d) != devices.end())
                fail("%s is named twice in --device", name.c_str());
            devices.push_back(d);
            split.push_back(1.0f);
            start = end + 1;
        }
        split.back() = 2.0f;
        mp.n_gpu_layers = -1;
        if (devices.size() > 1) {
            mp.split_mode = LLAMA_SPLIT_MODE_LAYER;
            split.resize(llama_max_devices(), 0.0f);
            mp.tensor_split = split.data();
        }
    }
    devices.push_back(nullptr);
    mp.devices = devices.data();
    llama_model *model = llama_model_load_from_file(o.model.c_str(), mp);
    if (model == nullptr) fail("cannot load the model %s", o.model.c_str());

    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 256;
    cp.n_batch = 64;
    cp.n_ubatch = 64;
    cp.n_seq_max = 1;
    cp.n_threads = o.threads;
    cp.n_threads_batch = o.threads;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    // An f32 KV cache on every device: ggml requires the node that writes a
    // pre-allocated tensor (SET_ROWS into the cache) to run on that tensor's
    // device, so an f16 cache would abort on a device without
    // FH_DEVICE_CAP_FLOAT16 instead of falling back (docs/frameworks.md).
    cp.type_k = GGML_TYPE_F32;
    cp.type_v = GGML_TYPE_F32;
    cp.no_perf = true;
    llama_context *ctx = llama_init_from_model(model, cp);
    if (ctx == nullptr) fail("cannot create a context on %s", o.device.c_str());

    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    std::vector<llama_token> prompt = {llama_vocab_bos(llama_model_get_vocab(model))};
    for (const char *c = "FlagHAL runs llama.cpp on every chip."; *c; c++) {
        prompt.push_back(3 + static_cast<unsigned char>(*c)); // byte tokens follow <unk> <s> </s>
    }
    if (static_cast<int>(prompt.size()) + o.n_tokens > static_cast<int>(cp.n_ctx)) fail("%s", "--tokens too large");

    run_pass(ctx, prompt, n_vocab, o.n_tokens); // warm-up
    const pass_result r = run_pass(ctx, prompt, n_vocab, o.n_tokens);
    std::vector<double> prompt_rates = {prompt.size() / r.prompt_s}, decode_rates = {o.n_tokens / r.decode_s};
    for (int i = 1; i < o.repeat; i++) {
        const pass_result again = run_pass(ctx, prompt, n_vocab, o.n_tokens);
        if (again.tokens != r.tokens) fail("measured pass %s decoded other tokens than the first", std::to_string(i).c_str());
        prompt_rates.push_back(prompt.size() / again.prompt_s);
        decode_rates.push_back(o.n_tokens / again.decode_s);
    }

    FILE *f = std::fopen(o.logits.c_str(), "wb");
    if (f == nullptr || std::fwrite(r.logits.data(), sizeof(float), r.logits.size(), f) != r.logits.size() ||
        std::fclose(f) != 0)
        fail("cannot write %s", o.logits.c_str());

    std::printf("device: %s\n", o.device.c_str());
    std::printf("n_vocab: %d\nn_prompt: %zu\ntokens:", n_vocab, prompt.size());
    for (llama_token t : r.tokens) std::printf(" %d", t);
    std::printf("\nprompt_tokens_per_s: %.1f\n", median(prompt_rates));
    std::printf("decode_tokens_per_s: %.1f\n", median(decode_rates));

    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
