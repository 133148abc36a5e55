#!/usr/bin/env python3
"""PyTorch eager throughput of all-MiniLM-L6-v2 sentence embeddings: the peer for xpu4j's
EmbedBench on cuda (MiniLM at batch 32 on xpu4j should reach at least PyTorch eager on the same GPU).

What it measures, per call, as EmbedBench does on the xpu4j side: tokenising a batch of 32 texts
(each truncated to exactly 128 tokens), the BERT encoder, mean pooling over the attention mask,
L2 normalisation, and the embeddings back in host memory. Reported as sentences per second, the
median of several timed rounds; a second figure leaves tokenising and the host copy out
(the encoder on ids already on the device), timed with CUDA events.

The model is built in plain torch from the very ONNX file xpu4j runs (its initializers, read with
the `onnx` package), so both sides use the same weights without any download:
  * named initializers: embeddings, LayerNorm weights and biases, the linear layers' biases;
  * the linear layers' weights are anonymous initializers (onnx::MatMul_N, stored [in, out]); each
    is named here after the MatMul node that reads it (/encoder/layer.3/attention/self/query/MatMul
    -> encoder.layer.3.attention.self.query.weight).
Architecture: BERT, 6 layers, hidden 384, 12 heads of 32, FFN 1536, exact (erf) GELU, LayerNorm
eps 1e-12, attention through torch.nn.functional.scaled_dot_product_attention (--attention math
for the explicit softmax(QKᵀ/√d)V). float32 throughout; TF32 stays off unless --tf32.

Before timing, the script embeds the three sentences whose similarities sentence-transformers
publishes for this model (0.6660, 0.1046, 0.1411) and stops with an error if any differs by more
than 5e-4, so a wrong port cannot produce a figure.

Needs: python3 with torch, onnx, numpy and tokenizers (all in the GPU machine's image as described;
no network). Without a GPU it runs on the CPU and says so.

RUN STATUS: this script has not been run yet (it was written where torch, onnx and a GPU were not
installed). What has been checked: the ONNX file's initializer names and shapes and the MatMul
output names the loader relies on (read from the file's protobuf), and the architecture, weight
mapping, LayerNorm eps, GELU and masking, by a float64 numpy mirror of `MiniLM.encode` on the
three sentences, which gave 0.66596, 0.10458, 0.14114 (published 0.6660, 0.1046, 0.1411). Not
checked: the torch and tokenizers calls themselves and every timing. The similarity line is the
first thing to look at on its first run.

usage: minilm_torch.py --models DIR [--batch 32] [--seq 128] [--seconds 3] [--json OUT.json]
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

PUBLISHED = {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411}
SENTENCES = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
TOLERANCE = 5e-4
LAYERS, HIDDEN, HEADS, EPS = 6, 384, 12, 1e-12


def bench_texts(n, seq):
    """The texts EmbedBench uses: long enough that each is truncated to exactly `seq` tokens."""
    words = ["the", "weather", "is", "lovely", "today", "and", "it", "is", "so", "sunny", "outside",
             "while", "he", "drove", "to", "the", "stadium", "for", "an", "evening", "game"]
    return [" ".join(words[(w * 7 + i) % len(words)] for w in range(3 * seq)) + " " for i in range(n)]


def load_weights(onnx_path):
    import onnx
    from onnx import numpy_helper

    model = onnx.load(onnx_path)
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    weights = {k: v for k, v in init.items() if not k.startswith("onnx::")}
    for node in model.graph.node:
        if node.op_type != "MatMul":
            continue
        for inp in node.input:
            if inp in init and inp.startswith("onnx::"):
                out = node.output[0]
                suffix = "/MatMul_output_0"
                if not out.endswith(suffix):
                    raise SystemExit(f"unexpected MatMul output name {out!r} for weight {inp}")
                key = out[1:-len(suffix)].replace("/", ".") + ".weight"
                weights[key] = init[inp]  # [in, out]: used as x @ W
    missing = [k for k in expected_keys() if k not in weights]
    if missing:
        raise SystemExit(f"{onnx_path}: weights not found: {missing[:5]}{' ...' if len(missing) > 5 else ''}")
    return weights


def expected_keys():
    keys = ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
            "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"]
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        for lin in ["attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense", "intermediate.dense", "output.dense"]:
            keys += [p + lin + ".weight", p + lin + ".bias"]
        for ln in ["attention.output.LayerNorm", "output.LayerNorm"]:
            keys += [p + ln + ".weight", p + ln + ".bias"]
    return keys


class MiniLM:
    def __init__(self, weights, device, attention):
        import torch
        self.torch = torch
        self.w = {k: torch.from_numpy(v.copy()).to(device) for k, v in weights.items()
                  if k != "embeddings.position_ids"}
        self.attention = attention

    def encode(self, ids, mask, types):
        torch = self.torch
        F = torch.nn.functional
        w = self.w
        b, s = ids.shape
        pos = torch.arange(s, device=ids.device)
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][pos] \
            + w["embeddings.token_type_embeddings.weight"][types]
        x = F.layer_norm(x, (HIDDEN,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], EPS)
        # additive mask over the keys: 0 where attended, the most negative float where padded
        add_mask = ((1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min)
        d = HIDDEN // HEADS
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."

            def lin(h, name):
                return torch.addmm(w[p + name + ".bias"], h.reshape(-1, h.shape[-1]), w[p + name + ".weight"]) \
                    .reshape(b, s, -1)

            def heads(t):
                return t.reshape(b, s, HEADS, d).transpose(1, 2)

            q, k, v = heads(lin(x, "attention.self.query")), heads(lin(x, "attention.self.key")), \
                heads(lin(x, "attention.self.value"))
            if self.attention == "sdpa":
                a = F.scaled_dot_product_attention(q, k, v, attn_mask=add_mask)
            else:
                scores = q @ k.transpose(-1, -2) / math.sqrt(d) + add_mask
                a = torch.softmax(scores, dim=-1) @ v
            a = a.transpose(1, 2).reshape(b, s, HIDDEN)
            x = F.layer_norm(lin(a, "attention.output.dense") + x, (HIDDEN,),
                             w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], EPS)
            h = F.gelu(lin(x, "intermediate.dense"))
            x = F.layer_norm(lin(h, "output.dense") + x, (HIDDEN,),
                             w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], EPS)
        return x

    def embed(self, ids, mask, types):
        x = self.encode(ids, mask, types)
        m = mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return self.torch.nn.functional.normalize(pooled, p=2, dim=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", required=True, help="directory with all-minilm-l6-v2.onnx and its tokenizer")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--seconds", type=float, default=3.0, help="time spent measuring each figure")
    ap.add_argument("--attention", choices=["sdpa", "math"], default="sdpa")
    ap.add_argument("--tf32", action="store_true", help="allow TF32 matrix products (off by default: xpu4j runs F32)")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()

    try:
        import torch
        from tokenizers import Tokenizer
    except ImportError as e:
        raise SystemExit(f"needs torch and tokenizers: {e}")

    onnx_path = os.path.join(args.models, "all-minilm-l6-v2.onnx")
    tok_path = os.path.join(args.models, "all-minilm-l6-v2-tokenizer.json")
    for p in (onnx_path, tok_path):
        if not os.path.isfile(p):
            raise SystemExit(f"missing {p}")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    device_name = torch.cuda.get_device_name(0) if device == "cuda" else "CPU (no CUDA device visible to torch)"
    print(f"torch {torch.__version__} on {device_name}; attention {args.attention}; TF32 {'on' if args.tf32 else 'off'}")

    tokenizer = Tokenizer.from_file(tok_path)
    tokenizer.enable_truncation(max_length=args.seq)
    tokenizer.enable_padding(length=args.seq, pad_id=0, pad_token="[PAD]")
    model = MiniLM(load_weights(onnx_path), device, args.attention)

    def tensors(texts):
        enc = tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in enc], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.long)
        types = torch.tensor([e.type_ids for e in enc], dtype=torch.long)
        return ids.to(device), mask.to(device), types.to(device)

    def sync():
        if device == "cuda":
            torch.cuda.synchronize()

    with torch.inference_mode():
        # the port must reproduce the published similarities before any figure counts
        e = model.embed(*tensors(SENTENCES)).double().cpu()
        sims = e @ e.T
        got = {k: float(sims[k]) for k in PUBLISHED}
        print("similarities " + ", ".join(f"{k}: {v:.5f} (published {PUBLISHED[k]:.4f})" for k, v in got.items()))
        bad = {k: v for k, v in got.items() if abs(v - PUBLISHED[k]) > TOLERANCE}
        if bad:
            raise SystemExit(f"the port does not reproduce the published similarities within {TOLERANCE}: {bad}")

        texts = bench_texts(args.batch, args.seq)

        def end_to_end():
            return model.embed(*tensors(texts)).cpu()

        ids, mask, types = tensors(texts)
        assert ids.shape == (args.batch, args.seq) and bool(mask.all()), "every benchmark text must fill the sequence"

        def model_only():
            return model.embed(ids, mask, types)

        def rounds(fn, events):
            for _ in range(5):
                fn()
            sync()
            per_call = []
            deadline = time.perf_counter() + args.seconds
            while time.perf_counter() < deadline or len(per_call) < 5:
                n = 10
                if events and device == "cuda":
                    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    start.record()
                    for _ in range(n):
                        fn()
                    end.record()
                    end.synchronize()
                    per_call.append(start.elapsed_time(end) / 1e3 / n)
                else:
                    t0 = time.perf_counter()
                    for _ in range(n):
                        fn()
                    sync()
                    per_call.append((time.perf_counter() - t0) / n)
            return statistics.median(per_call), min(per_call), len(per_call)

        e2e, e2e_best, e2e_n = rounds(end_to_end, events=False)
        mo, mo_best, mo_n = rounds(model_only, events=True)

    result = {
        "device": device_name,
        "torch": torch.__version__,
        "attention": args.attention,
        "tf32": args.tf32,
        "batch": args.batch,
        "seq": args.seq,
        "similarities": {f"{a},{b}": v for (a, b), v in got.items()},
        "end_to_end_seconds_per_batch_median": e2e,
        "end_to_end_sentences_per_s_median": args.batch / e2e,
        "end_to_end_sentences_per_s_best": args.batch / e2e_best,
        "end_to_end_rounds": e2e_n,
        "encoder_seconds_per_batch_median": mo,
        "encoder_sentences_per_s_median": args.batch / mo,
        "encoder_rounds": mo_n,
    }
    result["summary"] = (f"PyTorch {torch.__version__} eager on {device_name}, batch {args.batch} x {args.seq} tokens, "
                         f"F32{' (TF32 on)' if args.tf32 else ''}, attention {args.attention}: "
                         f"{args.batch / e2e:.0f} sentences/s end to end (tokenise + encode + pool + to host, median), "
                         f"{args.batch / mo:.0f} sentences/s encoder only; published similarities reproduced")
    print(result["summary"])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
