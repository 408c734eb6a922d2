#!/usr/bin/python3
"""export_torch.py - write an anybit trace (docs/trace-format.md) from a PyTorch model.

Quantizes every nn.Linear of a model with an anybit recipe (recipes/*.yaml or a
path), records each layer's input activations on a sample batch through
forward hooks, and writes a full trace: packed weight codes, per-group scales,
activations and the expected outputs, in the same safetensors layout that
`anybit trace gen` writes and `anybit trace verify` checks.

Models:
  --module FILE.py:FUNC   any PyTorch model: FUNC() in FILE returns (model, sample
                          input); the user's code loads whatever weights it has
  --tiny SEED             a small randomly initialized transformer-style MLP stack
                          built here (no download; used by the docs)
  --hf-dir PATH           a Hugging Face model directory the user already has
                          (transformers, local_files_only: nothing is downloaded)

The exporter implements the recipe subset that plain per-channel / per-group
quantization covers: weight formats intN, intNs, uintN and the minifloats
(eXmY, eXmYfn, eXmYf, fp4_e2m1, fp6_*, fp8_*), scales fp16 or fp32, group
size 0 (per channel) or a divisor of K.  Type selectors (bitmod_*_mix, antN,
olive4) and MX/INTK scales are `anybit trace gen` only: the exporter says so
and exits with status 2.  Its rounding follows docs/formats.md and
docs/quantization.md (round half to even, absmax onto the format's largest
magnitude, FP16 scales rounded to nearest even); tests/test_export.cpp checks
code for code that the C quantizer produces the same result.

Exit status: 0 written, 2 bad input (one message naming the file and field).
"""
import argparse
import fnmatch
import json
import os
import re
import struct
import sys
import tempfile

TRACE_VERSION = "1.0"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class BadInput(Exception):
    pass


# ---- number formats (the subset above; docs/formats.md) ---------------------

class IntFormat:
    def __init__(self, name, bits, signed, symmetric):
        self.name, self.bits = name, bits
        if signed:
            self.lo = -(2 ** (bits - 1)) + (1 if symmetric else 0)
            self.hi = 2 ** (bits - 1) - 1
        else:
            self.lo, self.hi = 0, 2 ** bits - 1
        self.absmax = max(abs(self.lo), abs(self.hi))

    def quantize(self, torch, y):
        """codes (two's complement bits) and values of y (float64, already / scale)."""
        # torch.round: half to even; + 0.0 because integers have no -0
        v = torch.round(y.clamp(self.lo, self.hi)) + 0.0
        codes = v.to(torch.int64) & ((1 << self.bits) - 1)
        return codes, v


class FloatFormat:
    """eXmY minifloats, bias 2^(E-1)-1, subnormals; IEEE-like, FN or all finite."""

    def __init__(self, name, e, m, conv):
        self.name, self.e, self.m, self.conv = name, e, m, conv
        self.bits = 1 + e + m
        self.bias = 2 ** (e - 1) - 1
        top = 2 ** e - 1
        if conv == "ieee":
            emax, mmax = top - 1, 2 ** m - 1
        elif conv == "fn":
            emax, mmax = (top - 1, 0) if m == 0 else (top, 2 ** m - 2)
        else:
            emax, mmax = top, 2 ** m - 1
        self.absmax = (1 + mmax / 2 ** m) * 2.0 ** (emax - self.bias)

    def quantize(self, torch, y):
        y = y.clamp(-self.absmax, self.absmax)  # the quantizer clamps before encoding
        sign = torch.signbit(y)
        a = y.abs()
        _, e2 = torch.frexp(a)
        emin = 1 - self.bias
        ex = torch.clamp(e2.to(torch.int64) - 1, min=emin)
        ex = torch.where(a == 0, torch.full_like(ex, emin), ex)
        q = torch.round(a * torch.pow(2.0, (self.m - ex).to(torch.float64)))  # exact scaling
        hidden = 2 ** self.m
        carry = q >= 2 * hidden
        q = torch.where(carry, torch.full_like(q, hidden), q)
        ex = ex + carry.to(torch.int64)
        normal = q >= hidden
        efield = torch.where(normal, ex + self.bias, torch.zeros_like(ex))
        mfield = torch.where(normal, q - hidden, q).to(torch.int64)
        codes = (sign.to(torch.int64) << (self.e + self.m)) | (efield << self.m) | mfield
        mag = q * torch.pow(2.0, (ex - self.m).to(torch.float64))
        return codes, torch.where(sign, -mag, mag)


FLOAT_ALIASES = {"fp4_e2m1": (2, 1, "finite"), "fp6_e2m3": (2, 3, "finite"),
                 "fp6_e3m2": (3, 2, "finite"), "fp8_e4m3": (4, 3, "fn"),
                 "fp8_e5m2": (5, 2, "ieee"), "fp16": (5, 10, "ieee"), "bf16": (8, 7, "ieee")}


def parse_format(name, where):
    m = re.fullmatch(r"(u?)int(\d+)(s?)", name)
    if m:
        bits = int(m.group(2))
        if not 1 <= bits <= 16 or (m.group(3) and (m.group(1) or bits < 2)):
            raise BadInput(f"{where}: format '{name}': integer width out of range")
        return IntFormat(name, bits, not m.group(1), bool(m.group(3)))
    m = re.fullmatch(r"e(\d+)m(\d+)(fn|f)?", name)
    if m:
        e, mb = int(m.group(1)), int(m.group(2))
        if not (1 <= e <= 8 and 0 <= mb <= 10):
            raise BadInput(f"{where}: format '{name}': exponent bits must be 1..8, mantissa 0..10")
        return FloatFormat(name, e, mb, {"fn": "fn", "f": "finite"}.get(m.group(3), "ieee"))
    if name in FLOAT_ALIASES:
        return FloatFormat(name, *FLOAT_ALIASES[name])
    raise BadInput(f"{where}: weight format '{name}' is not supported by the exporter "
                   "(intN, intNs, uintN and minifloats are; selectors and MX formats: "
                   "use `anybit trace gen`)")


def round_scale(torch, s, scale_format):
    """The effective scale after rounding into the scale format (docs/quantization.md)."""
    if scale_format == "fp16":
        finfo = torch.finfo(torch.float16)
        r = s.to(torch.float16).to(torch.float64)
        r = torch.where((r == 0) & (s > 0), torch.full_like(r, 2.0 ** -24), r)  # never 0
        r = torch.where(torch.isinf(r), torch.full_like(r, finfo.max), r)
    else:
        finfo = torch.finfo(torch.float32)
        r = s.to(torch.float32).to(torch.float64)
        r = torch.where((r == 0) & (s > 0), torch.full_like(r, finfo.tiny * 2.0 ** -23), r)
        r = torch.where(torch.isinf(r), torch.full_like(r, finfo.max), r)
    return torch.where(s == 0, torch.ones_like(r), r)  # an all-zero unit gets scale 1


def quantize_weight(torch, w, fmt, group, scale_format):
    """w [N][K] float32 -> codes [N][K], scales [N][G] (float64), dequant float32."""
    n, k = w.shape
    g = k if group == 0 else group
    x = w.to(torch.float64).reshape(n, k // g, g)
    s = round_scale(torch, x.abs().amax(dim=2) / fmt.absmax, scale_format)
    codes, vals = fmt.quantize(torch, x / s.unsqueeze(2))
    deq = (vals * s.unsqueeze(2)).to(torch.float32)
    return codes.reshape(n, k), s, deq.reshape(n, k)


def pack_rows(codes, bits):
    """LSB-first bit stream per row, each row byte aligned (kernels/pack.h)."""
    out = bytearray()
    for row in codes.tolist():
        acc, nacc = 0, 0
        buf = bytearray()
        for c in row:
            acc |= (c & ((1 << bits) - 1)) << nacc
            nacc += bits
            while nacc >= 8:
                buf.append(acc & 0xFF)
                acc >>= 8
                nacc -= 8
        if nacc:
            buf.append(acc & 0xFF)
        out += buf
    return bytes(out)


# ---- recipes (the same YAML files the C side reads; docs/models.md) ---------

def load_recipe(spec):
    import yaml
    path = spec if (os.sep in spec or spec.endswith(".yaml")) else \
        os.path.join(ROOT, "recipes", spec + ".yaml")
    try:
        with open(path) as f:
            doc = yaml.safe_load(f)
    except OSError as e:
        raise BadInput(f"{path}: cannot read recipe: {e.strerror}")
    except yaml.YAMLError as e:
        raise BadInput(f"{path}: invalid YAML: {e}".replace("\n", " "))
    if not isinstance(doc, dict) or not isinstance(doc.get("weights"), dict):
        raise BadInput(f"{path}: weights: expected a mapping {{format, group_size, scale}}")
    return path, doc


def op_settings(recipe_path, doc, op_name):
    w = dict(doc["weights"])
    act = doc.get("activations", "fp16")
    acc = doc.get("accumulator", "fp32")
    for i, rule in enumerate(doc.get("overrides", []) or []):
        if not isinstance(rule, dict) or "match" not in rule:
            raise BadInput(f"{recipe_path}: overrides[{i}]: expected a mapping with 'match'")
        if fnmatch.fnmatchcase(op_name, rule["match"]):
            w.update(rule.get("weights", {}) or {})
            act = rule.get("activations", act)
            acc = rule.get("accumulator", acc)
    for key in ("format", "group_size", "scale"):
        if key not in w:
            raise BadInput(f"{recipe_path}: weights.{key}: missing")
    if w["scale"] not in ("fp16", "fp32"):
        raise BadInput(f"{recipe_path}: weights.scale: the exporter writes fp16 or fp32 scales, "
                       f"found '{w['scale']}' (use `anybit trace gen`)")
    return w, act, acc


# ---- models -------------------------------------------------------------------

def tiny_model(torch, seed, hidden=64, ffn=128, layers=2):
    torch.manual_seed(seed)
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.q_proj = nn.Linear(hidden, hidden, bias=False)
            self.o_proj = nn.Linear(hidden, hidden, bias=False)
            self.up_proj = nn.Linear(hidden, ffn, bias=False)
            self.down_proj = nn.Linear(ffn, hidden, bias=False)

        def forward(self, x):
            x = x + self.o_proj(torch.tanh(self.q_proj(x)))
            return x + self.down_proj(torch.relu(self.up_proj(x)))

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList(Block() for _ in range(layers))

        def forward(self, x):
            for blk in self.layers:
                x = blk(x)
            return x

    model = Tiny().eval()
    sample = torch.randn(1, 8, hidden)
    return model, sample, f"tiny-torch-h{hidden}-f{ffn}-l{layers}"


def module_model(torch, spec):
    """FILE.py:FUNC -> FUNC() must return (model, sample input tensor)."""
    import importlib.util
    path, sep, func = spec.rpartition(":")
    if not sep or not path.endswith(".py") or not func:
        raise BadInput(f"--module: expected FILE.py:FUNC, found '{spec}'")
    if not os.path.isfile(path):
        raise BadInput(f"{path}: --module file not found")
    loader = importlib.util.spec_from_file_location("anybit_user_model", path)
    mod = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(mod)
    fn = getattr(mod, func, None)
    if not callable(fn):
        raise BadInput(f"{path}: no function '{func}'")
    got = fn()
    if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], torch.nn.Module)
            and isinstance(got[1], torch.Tensor)):
        raise BadInput(f"{path}: {func}() must return (torch.nn.Module, sample input tensor)")
    model, sample = got
    return model.eval(), sample, os.path.splitext(os.path.basename(path))[0]


def hf_model(torch, path, tokens):
    try:
        from transformers import AutoModelForCausalLM
    except ImportError:
        raise BadInput(f"{path}: --hf-dir needs the transformers package")
    model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True,
                                                 torch_dtype=torch.float32).eval()
    sample = torch.randint(0, model.config.vocab_size, (1, tokens))
    return model, sample, os.path.basename(os.path.normpath(path))


def sample_shape(torch, sample):
    """(batch, tokens) of a sample input: token ids [B, T], embeddings [B, T, H],
    or a single sequence [T, H]."""
    if not torch.is_floating_point(sample) and sample.dim() == 2:
        return int(sample.shape[0]), int(sample.shape[1])
    if sample.dim() >= 3:
        return int(sample.shape[0]), int(sample.shape[1])
    return 1, int(sample.shape[0]) if sample.dim() == 2 else 1


# ---- writing --------------------------------------------------------------------

def reference_outputs(torch, act, w):
    """out[m][n] = sum over k ascending of act*w in double, rounded once to float32:
    the reference GEMM of kernels/gemm.h, in its exact order."""
    a, wt = act.to(torch.float64), w.to(torch.float64)
    acc = torch.zeros(a.shape[0], wt.shape[0], dtype=torch.float64)
    for k in range(a.shape[1]):
        acc += a[:, k:k + 1] * wt[:, k].unsqueeze(0)
    return acc.to(torch.float32)


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset, blobs = 0, []
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=os.path.basename(path) + ".tmp.")
    mask = os.umask(0)
    os.umask(mask)
    try:
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes 0600; a plain open() would not
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(h)))
            f.write(h)
            for b in blobs:
                f.write(b)
        os.replace(tmp, path)  # atomic: nothing half-written under the final name
    except BaseException:
        os.unlink(tmp)
        raise


def export(args):
    import torch
    recipe_path, recipe = load_recipe(args.recipe)
    if args.tiny is not None:
        model, sample, model_name = tiny_model(torch, args.tiny)
    elif args.module:
        model, sample, model_name = module_model(torch, args.module)
    else:
        model, sample, model_name = hf_model(torch, args.hf_dir, args.tokens)

    captured = {}

    def keep_input(name):
        def hook(module, inputs, output):  # returns None: the output stays as it is
            captured.setdefault(name, inputs[0].detach())
        return hook

    hooks = [mod.register_forward_hook(keep_input(name)) for name, mod in model.named_modules()
             if isinstance(mod, torch.nn.Linear)]
    with torch.no_grad():
        model(sample)
    for h in hooks:
        h.remove()

    ops, tensors = [], []
    linears = [(n, m) for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
    if args.max_ops:
        linears = linears[:args.max_ops]
    for name, mod in linears:
        w = mod.weight.detach().to(torch.float32)
        n, k = w.shape
        settings, act_format, acc_format = op_settings(recipe_path, recipe, name)
        fmt = parse_format(settings["format"], f"{recipe_path}: weights.format")
        group = int(settings["group_size"])
        if group and k % group and recipe.get("group_fallback", "error") == "channel":
            group = 0  # the recipe asks for per-channel where a group does not fit
        if group and k % group:
            raise BadInput(f"{recipe_path}: weights.group_size: {group} does not divide "
                           f"K={k} of layer '{name}'")
        codes, scales, deq = quantize_weight(torch, w, fmt, group, settings["scale"])
        if name not in captured:
            raise BadInput(f"layer '{name}' was not reached by the sample input")
        act = captured[name].reshape(-1, k)
        op = {"name": name, "kind": "gemm", "M": act.shape[0], "N": n, "K": k, "count": 1,
              "weight_share": 1, "weight_format": fmt.name, "act_format": act_format,
              "acc_format": acc_format, "scale_format": settings["scale"], "group_size": group,
              "tensors": {"weight_codes": name + ".weight_codes", "scales": name + ".scales"}}
        g = scales.shape[1]
        tensors.append((name + ".weight_codes", "U8", (n, (k * fmt.bits + 7) // 8),
                        pack_rows(codes, fmt.bits)))
        if settings["scale"] == "fp16":
            tensors.append((name + ".scales", "F16", (n, g),
                            scales.to(torch.float16).numpy().astype("<f2").tobytes()))
        else:
            tensors.append((name + ".scales", "F32", (n, g),
                            scales.to(torch.float32).numpy().astype("<f4").tobytes()))
        if act_format in ("fp16", "fp32"):
            dt = torch.float16 if act_format == "fp16" else torch.float32
            a = act.to(dt)
            tensors.append((name + ".activations", "F16" if act_format == "fp16" else "F32",
                            tuple(a.shape), a.numpy().astype("<f2" if act_format == "fp16" else "<f4").tobytes()))
            out = reference_outputs(torch, a.to(torch.float32), deq)
            tensors.append((name + ".outputs", "F32", tuple(out.shape),
                            out.numpy().astype("<f4").tobytes()))
            op["tensors"]["activations"] = name + ".activations"
            op["tensors"]["outputs"] = name + ".outputs"
        ops.append(op)
        if args.dequant_dir:
            import numpy as np
            np.save(os.path.join(args.dequant_dir, name + ".npy"), deq.numpy())
            np.save(os.path.join(args.dequant_dir, name + ".weight.npy"), w.numpy())

    batch, tokens = sample_shape(torch, sample)
    header = {"format": "anybit-trace", "version": TRACE_VERSION, "model": model_name,
              "phase": f"prefill:{tokens}", "batch": batch,
              "recipe": os.path.splitext(os.path.basename(recipe_path))[0],
              "values": {"kind": "exported", "source": "torch",
                         "torch_version": torch.__version__,
                         "model": model_name, "tiny_seed": args.tiny,
                         "module": args.module, "hf_dir": args.hf_dir},
              "ops": ops}
    write_safetensors(args.output, tensors, {"anybit": json.dumps(header)})
    print(f"export_torch: wrote {args.output}: {len(ops)} ops from {model_name} "
          f"(recipe {header['recipe']})")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--module", metavar="FILE.py:FUNC",
                     help="FUNC() in FILE returns (model, sample input)")
    src.add_argument("--tiny", type=int, metavar="SEED", help="built-in small random model")
    src.add_argument("--hf-dir", metavar="PATH", help="local Hugging Face model directory")
    p.add_argument("--recipe", required=True, help="recipe name (recipes/NAME.yaml) or path")
    p.add_argument("--tokens", type=int, default=16, help="sample tokens for --hf-dir")
    p.add_argument("--max-ops", type=int, default=0, help="export only the first N linears")
    p.add_argument("--dequant-dir", help="also save each layer's float and dequantized weights "
                   "as NAME.weight.npy / NAME.npy here (for cross-checks)")
    p.add_argument("-o", "--output", required=True)
    args = p.parse_args()
    try:
        export(args)
    except BadInput as e:
        print(f"export_torch: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
