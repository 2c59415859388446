#!/usr/bin/python3
"""PyTorch-eager CPU baseline for bench/sd15_bench (Tessera).

Builds the Stable Diffusion 1.5 UNet and VAE in plain torch.nn with exactly the
shapes of the original ldm / ComfyUI modules (openaimodel.UNetModel,
attention.SpatialTransformer, model.Encoder/Decoder), fills them with random
weights (speed only; outputs are meaningless) and times UNet batch 1 / batch 2
calls and VAE encode / decode, so Tessera can be compared with PyTorch on the
same machine.  Needs only torch (Debian python3-torch 1.13 is fine) + stdlib.

  nice -n 19 /usr/bin/python3 bench/pytorch_sd15.py [--threads 2] [--precision fp32|bf16]
      [--attn plain|sdp-chunked] [--only unet1,unet2,vae_encode,vae_decode]
      [--size 512] [--repeats 3]
Prefix LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 for tcmalloc.
Note: on an AVX2-only CPU (no avx512_bf16) torch 1.13 has no fast bf16 conv/matmul
kernels; --precision bf16 runs ~50x slower than fp32 there (fp32 is the real baseline).
"""
import argparse, math, os, resource, time
import torch
import torch.nn as nn
import torch.nn.functional as F

UNET_PARAMS, VAE_PARAMS = 859_520_964, 83_653_863
ATTN_MODE = "plain"  # set from --attn
MEMFMT = torch.contiguous_format  # channels_last for --precision bf16
Q_CHUNK = 1024

def attention(q, k, v, heads):
    """q: (B, Nq, H*D), k/v: (B, Nk, H*D) -> (B, Nq, H*D); softmax(QK^T*scale)V per head."""
    b, nq, inner = q.shape
    d = inner // heads
    q, k, v = (t.reshape(b, -1, heads, d).transpose(1, 2).reshape(b * heads, -1, d) for t in (q, k, v))
    scale = d ** -0.5
    kt = k.transpose(1, 2)
    if ATTN_MODE == "plain" or nq <= Q_CHUNK:
        out = torch.bmm(torch.softmax(torch.bmm(q, kt) * scale, dim=-1), v)
    else:  # bound the score matrix to (B*H, Q_CHUNK, Nk)
        out = torch.empty_like(q)
        for i in range(0, nq, Q_CHUNK):
            s = torch.bmm(q[:, i:i + Q_CHUNK], kt) * scale
            out[:, i:i + Q_CHUNK] = torch.bmm(torch.softmax(s, dim=-1), v)
    return out.reshape(b, heads, nq, d).transpose(1, 2).reshape(b, nq, inner)

# ----------------------------------------------------------------------------- UNet
def timestep_embedding(t, dim, max_period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)

class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb_dim):
        super().__init__()
        self.in_layers = nn.Sequential(nn.GroupNorm(32, cin), nn.SiLU(), nn.Conv2d(cin, cout, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_dim, cout))
        self.out_layers = nn.Sequential(nn.GroupNorm(32, cout), nn.SiLU(), nn.Conv2d(cout, cout, 3, padding=1))
        self.skip_connection = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x, emb):
        h = self.in_layers(x) + self.emb_layers(emb)[:, :, None, None].to(x.dtype)
        return self.skip_connection(x) + self.out_layers(h)

class CrossAttention(nn.Module):
    def __init__(self, dim, ctx_dim, heads):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(ctx_dim, dim, bias=False)
        self.to_v = nn.Linear(ctx_dim, dim, bias=False)
        self.to_out = nn.Sequential(nn.Linear(dim, dim))

    def forward(self, x, ctx=None):
        ctx = x if ctx is None else ctx
        return self.to_out(attention(self.to_q(x), self.to_k(ctx), self.to_v(ctx), self.heads))

class GEGLU(nn.Module):
    def __init__(self, dim, inner):
        super().__init__()
        self.proj = nn.Linear(dim, inner * 2)

    def forward(self, x):
        a, gate = self.proj(x).chunk(2, dim=-1)
        return a * F.gelu(gate)

class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, ctx_dim):
        super().__init__()
        self.attn1 = CrossAttention(dim, dim, heads)
        self.attn2 = CrossAttention(dim, ctx_dim, heads)
        self.ff = nn.Sequential(GEGLU(dim, dim * 4), nn.Identity(), nn.Linear(dim * 4, dim))  # ldm: ff.net.0 / ff.net.2
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(dim) for _ in range(3))

    def forward(self, x, ctx):
        x = x + self.attn1(self.norm1(x))
        x = x + self.attn2(self.norm2(x), ctx)
        return x + self.ff(self.norm3(x))

class SpatialTransformer(nn.Module):
    def __init__(self, ch, heads, ctx_dim, depth=1):
        super().__init__()
        self.norm = nn.GroupNorm(32, ch, eps=1e-6)  # ldm uses eps 1e-6 here (1e-5 in ResBlocks)
        self.proj_in = nn.Conv2d(ch, ch, 1)
        self.transformer_blocks = nn.ModuleList(BasicTransformerBlock(ch, heads, ctx_dim) for _ in range(depth))
        self.proj_out = nn.Conv2d(ch, ch, 1)

    def forward(self, x, ctx):
        b, c, h, w = x.shape
        t = self.proj_in(self.norm(x)).permute(0, 2, 3, 1).reshape(b, h * w, c)
        for blk in self.transformer_blocks:
            t = blk(t, ctx)
        t = t.reshape(b, h, w, c).permute(0, 3, 1, 2).contiguous(memory_format=MEMFMT)
        return self.proj_out(t) + x

class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x, size=None):
        return self.conv(F.interpolate(x, size=size or (x.shape[2] * 2, x.shape[3] * 2), mode="nearest"))

class Step(nn.ModuleList):
    """TimestepEmbedSequential: dispatches emb / context / output size to its children."""
    def forward(self, x, emb, ctx, size=None):
        for m in self:
            if isinstance(m, ResBlock): x = m(x, emb)
            elif isinstance(m, SpatialTransformer): x = m(x, ctx)
            elif isinstance(m, Upsample): x = m(x, size)
            else: x = m(x)
        return x

class UNetModel(nn.Module):
    def __init__(self, cin=4, cout=4, mc=320, mult=(1, 2, 4, 4), nres=2, attn_levels=(0, 1, 2), heads=8, ctx_dim=768):
        super().__init__()
        self.mc, ed = mc, mc * 4
        self.time_embed = nn.Sequential(nn.Linear(mc, ed), nn.SiLU(), nn.Linear(ed, ed))
        self.input_blocks = nn.ModuleList([Step([nn.Conv2d(cin, mc, 3, padding=1)])])
        chans, ch = [mc], mc
        for lvl, m in enumerate(mult):
            for _ in range(nres):
                layers = [ResBlock(ch, m * mc, ed)]
                ch = m * mc
                if lvl in attn_levels: layers.append(SpatialTransformer(ch, heads, ctx_dim))
                self.input_blocks.append(Step(layers)); chans.append(ch)
            if lvl != len(mult) - 1:
                self.input_blocks.append(Step([nn.Conv2d(ch, ch, 3, stride=2, padding=1)]))  # Downsample.op
                chans.append(ch)
        self.middle_block = Step([ResBlock(ch, ch, ed), SpatialTransformer(ch, heads, ctx_dim), ResBlock(ch, ch, ed)])
        self.output_blocks = nn.ModuleList()
        for lvl, m in reversed(list(enumerate(mult))):
            for i in range(nres + 1):
                layers = [ResBlock(ch + chans.pop(), m * mc, ed)]
                ch = m * mc
                if lvl in attn_levels: layers.append(SpatialTransformer(ch, heads, ctx_dim))
                if lvl and i == nres: layers.append(Upsample(ch))
                self.output_blocks.append(Step(layers))
        self.out = nn.Sequential(nn.GroupNorm(32, ch), nn.SiLU(), nn.Conv2d(mc, cout, 3, padding=1))

    def forward(self, x, t, ctx):
        emb = self.time_embed(timestep_embedding(t, self.mc).to(x.dtype))
        hs, h = [], x
        for blk in self.input_blocks:
            h = blk(h, emb, ctx); hs.append(h)
        h = self.middle_block(h, emb, ctx)
        for blk in self.output_blocks:
            h = blk(torch.cat([h, hs.pop()], dim=1), emb, ctx, hs[-1].shape[2:] if hs else None)
        return self.out(h)

# ----------------------------------------------------------------------------- VAE
def vae_norm(c):
    return nn.GroupNorm(32, c, eps=1e-6)

class VResBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1, self.conv1 = vae_norm(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2, self.conv2 = vae_norm(cout), nn.Conv2d(cout, cout, 3, padding=1)
        if cin != cout: self.nin_shortcut = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.nin_shortcut(x) if hasattr(self, "nin_shortcut") else x) + h

class AttnBlock(nn.Module):  # single head, 1x1 conv q/k/v/proj_out
    def __init__(self, c):
        super().__init__()
        self.norm = vae_norm(c)
        self.q, self.k, self.v, self.proj_out = (nn.Conv2d(c, c, 1) for _ in range(4))

    def forward(self, x):
        b, c, h, w = x.shape
        n = self.norm(x)
        q, k, v = (m(n).reshape(b, c, h * w).transpose(1, 2) for m in (self.q, self.k, self.v))
        o = attention(q, k, v, 1).transpose(1, 2).reshape(b, c, h, w)
        return x + self.proj_out(o.contiguous(memory_format=MEMFMT))

class VDown(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))

class Encoder(nn.Module):
    def __init__(self, ch=128, mult=(1, 2, 4, 4), nres=2, cin=3, z=4):
        super().__init__()
        self.conv_in = nn.Conv2d(cin, ch, 3, padding=1)
        self.down, bi = nn.ModuleList(), ch
        for lvl, m in enumerate(mult):
            d = nn.Module()
            d.block = nn.ModuleList()
            for _ in range(nres):
                d.block.append(VResBlock(bi, ch * m)); bi = ch * m
            if lvl != len(mult) - 1: d.downsample = VDown(bi)
            self.down.append(d)
        self.mid = nn.Module()
        self.mid.block_1, self.mid.attn_1, self.mid.block_2 = VResBlock(bi, bi), AttnBlock(bi), VResBlock(bi, bi)
        self.norm_out, self.conv_out = vae_norm(bi), nn.Conv2d(bi, 2 * z, 3, padding=1)

    def forward(self, x):
        h = self.conv_in(x)
        for d in self.down:
            for b in d.block: h = b(h)
            if hasattr(d, "downsample"): h = d.downsample(h)
        h = self.mid.block_2(self.mid.attn_1(self.mid.block_1(h)))
        return self.conv_out(F.silu(self.norm_out(h)))

class Decoder(nn.Module):
    def __init__(self, ch=128, mult=(1, 2, 4, 4), nres=2, cout=3, z=4):
        super().__init__()
        bi = ch * mult[-1]
        self.conv_in = nn.Conv2d(z, bi, 3, padding=1)
        self.mid = nn.Module()
        self.mid.block_1, self.mid.attn_1, self.mid.block_2 = VResBlock(bi, bi), AttnBlock(bi), VResBlock(bi, bi)
        self.up = nn.ModuleList()
        for lvl in reversed(range(len(mult))):
            u = nn.Module()
            u.block = nn.ModuleList()
            for _ in range(nres + 1):
                u.block.append(VResBlock(bi, ch * mult[lvl])); bi = ch * mult[lvl]
            if lvl != 0: u.upsample = Upsample(bi)
            self.up.insert(0, u)
        self.norm_out, self.conv_out = vae_norm(bi), nn.Conv2d(bi, cout, 3, padding=1)

    def forward(self, z):
        h = self.mid.block_2(self.mid.attn_1(self.mid.block_1(self.conv_in(z))))
        for u in reversed(self.up):
            for b in u.block: h = b(h)
            if hasattr(u, "upsample"): h = u.upsample(h)
        return self.conv_out(F.silu(self.norm_out(h)))

class AutoencoderKL(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder, self.decoder = Encoder(), Decoder()
        self.quant_conv, self.post_quant_conv = nn.Conv2d(8, 8, 1), nn.Conv2d(4, 4, 1)

    def encode(self, x):  # returns the posterior mean (DiagonalGaussian.mode())
        return self.quant_conv(self.encoder(x))[:, :4]

    def decode(self, z):
        return self.decoder(self.post_quant_conv(z))

# ----------------------------------------------------------------------------- timing
def nparams(m):
    return sum(p.numel() for p in m.parameters())

def timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    w1, c1 = time.perf_counter(), time.process_time()
    assert torch.isfinite(out.float()).all(), "non-finite output"
    return w1 - w0, c1 - c0

def main():
    global ATTN_MODE, MEMFMT
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--attn", choices=["plain", "sdp-chunked"], default="plain")
    ap.add_argument("--only", default="unet1,unet2,vae_encode,vae_decode")
    ap.add_argument("--size", type=int, default=512, help="image size (latent = size/8)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    ATTN_MODE, rows = a.attn, [r.strip() for r in a.only.split(",") if r.strip()]
    assert all(r in ("unet1", "unet2", "vae_encode", "vae_decode") for r in rows), rows
    assert a.size % 64 == 0, "--size must be a multiple of 64"
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(a.seed)
    dt = torch.bfloat16 if a.precision == "bf16" else torch.float32
    mf = MEMFMT = torch.channels_last if a.precision == "bf16" else torch.contiguous_format
    blas = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l and ".so" in l})
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, precision {a.precision}, "
          f"attn {a.attn}, size {a.size}, LD_PRELOAD={os.environ.get('LD_PRELOAD', '')}, blas {blas}")
    lat, results = a.size // 8, []

    def prep(m):
        return m.eval().to(dtype=dt, memory_format=mf)

    with torch.inference_mode():
        if any(r.startswith("unet") for r in rows):
            t0 = time.perf_counter()
            unet = UNetModel()
            n = nparams(unet)
            print(f"UNet parameters: {n:,} (built in {time.perf_counter() - t0:.1f}s)")
            assert n == UNET_PARAMS, n
            unet = prep(unet)
            for r, b in (("unet1", 1), ("unet2", 2)):
                if r not in rows: continue
                x = torch.randn(b, 4, lat, lat).to(dtype=dt, memory_format=mf)
                ctx, t = torch.randn(b, 77, 768).to(dt), torch.full((b,), 999.0)
                call = lambda: unet(x, t, ctx)
                warm = timed(call)
                ts = [timed(call) for _ in range(a.repeats)]
                med = sorted(ts)[len(ts) // 2]
                results.append((f"UNet batch {b} (median of {a.repeats}, warm-up {warm[0]:.2f}s)", *med))
            del unet
        if any(r.startswith("vae") for r in rows):
            vae = AutoencoderKL()
            n = nparams(vae)
            print(f"VAE parameters: {n:,}")
            assert n == VAE_PARAMS, n
            vae = prep(vae)
            for r, fn, shape in (("vae_encode", vae.encode, (1, 3, a.size, a.size)),
                                 ("vae_decode", vae.decode, (1, 4, lat, lat))):
                if r not in rows: continue
                x = torch.randn(*shape).to(dtype=dt, memory_format=mf)
                for k in ("1st", "2nd"):
                    results.append((f"VAE {r[4:]} {k} call", *timed(lambda: fn(x))))

    print(f"\n| {a.size}x{a.size}, {a.precision}, {a.threads} threads, attn {a.attn} | wall s | CPU s |")
    print("|---|---:|---:|")
    for name, w, c in results:
        print(f"| {name} | {w:.2f} | {c:.2f} |")
    hwm = next((l.split(":")[1].strip() for l in open("/proc/self/status") if l.startswith("VmHWM")), "?")
    print(f"\npeak RSS: ru_maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB, VmHWM {hwm}")


if __name__ == "__main__":
    main()
