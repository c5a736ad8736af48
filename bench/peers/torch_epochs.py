"""The PyTorch peer of `npm run bench`: the two networks the bench times for mnist-nn, trained in
PyTorch on the CPU, on the same digits, with 1 and with 2 threads. JSON on stdout; progress on stderr.

  --mlp N   the seed MLP (bench/mlp.ts): Flatten, Dense 128 relu, Dense 10 softmax; sparse categorical
            cross-entropy; Adam 1e-3; batch 128, shuffled; the first N training digits. Two epochs on
            one model, the second reported as the warm epoch: how bench/epoch.ts times ours.
  --cnn N   the seed 002 convnet (src/zoo/networks.ts cnnLayers, bench/cnn.ts): Conv2D 32 3×3 relu,
            MaxPooling2D 2, Conv2D 64 3×3 relu, MaxPooling2D 2, Flatten, Dropout 0.5, Dense 10 softmax;
            categorical cross-entropy on one-hot labels; Adam 1e-3; batch 128, shuffled; the first N
            training digits. One epoch on a fresh model, as bench/cnn.ts times ours (which then
            scales it to 60,000 digits), after WARMUP_BATCHES untimed batches on a throwaway model of
            the same shapes, so that oneDNN's primitive creation and the first allocations are not
            counted (ours runs after the MLP sections, with its wasm kernels and worker pool warm).
  --threads 1,2   thread counts to run, in order (default 1,2).
  --probe   only report the versions and the BLAS, train nothing.

Parity with Keras (and so with mnist-nn): Adam β 0.9 / 0.999 and ε 1e-7 (PyTorch's default ε is 1e-8);
glorot-uniform weights and zero biases (so the losses are comparable; the time does not depend on it);
pixels / 255; images [n, 1, 28, 28], PyTorch's NCHW (the same memory as our NHWC [n, 28, 28, 1]). The
last layer yields logits and nn.CrossEntropyLoss applies log-softmax and the cross-entropy in one
step, which is how PyTorch spells softmax + (sparse) categorical cross-entropy; the convnet's loss
takes one-hot probabilities, as our categoricalCrossentropy does. The time is that of the epoch
loop: shuffle, gathering each batch, forward, loss, backward, Adam step (what our fit() does).

Threads: torch.set_num_threads(n) sets the OpenMP threads that oneDNN's convolutions and PyTorch's
element-wise kernels use, but Debian's torch calls the system BLAS (libblas.so.3, OpenBLAS's pthread
build with libopenblas0-pthread) for nn.Linear, and that library runs its own threads, as many as
cores unless told. So n threads here also sets OpenBLAS's count (openblas_set_num_threads): "1 thread"
is one core, and 2 threads do not oversubscribe with 2 OpenMP plus 2 OpenBLAS threads.

The BLAS: Debian's torch reports BLAS_INFO=generic in torch.__config__.show(), which names no
library; which one libblas.so.3 is comes from the libraries this process has mapped
(/proc/self/maps). With the reference BLAS (libblas3, when libopenblas0-pthread is not installed)
the MLP is about 8× slower, which would flatter mnist-nn: the bench warns.

Run with Debian's Python and torch (apt-get install python3-torch libopenblas0-pthread):
  /usr/bin/python3 bench/peers/torch_epochs.py --mlp 60000 --cnn 60000 [--threads 1,2]
"""
import ctypes
import json
import os
import sys
import time

import torch
from torch import nn

from mnist_data import images, labels

BATCH = 128
WARMUP_BATCHES = 2


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def mapped_libraries():
    """Paths of the shared libraries this process has mapped (Linux), or [] elsewhere."""
    try:
        with open('/proc/self/maps') as f:
            return sorted({line.split()[-1] for line in f if '.so' in line and '/' in line})
    except OSError:
        return []


def blas():
    """Which BLAS torch calls: 'openblas', 'mkl', 'reference', 'blis' or 'unknown', and its library."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))  # make sure the BLAS is loaded
    config = torch.__config__.show()
    info = next((part.split('=', 1)[1] for part in config.replace(',', '\n').split() if part.startswith('BLAS_INFO=')), None)
    libs = mapped_libraries()
    kind, library = 'unknown', None
    for name, test in [
        ('openblas', lambda p: 'openblas' in os.path.basename(p).lower()),
        ('mkl', lambda p: os.path.basename(p).startswith('libmkl')),
        ('blis', lambda p: 'blis' in os.path.basename(p).lower()),
        # Debian's reference BLAS: /usr/lib/<triplet>/blas/libblas.so.3 (from libblas3)
        ('reference', lambda p: os.path.basename(p).startswith('libblas.so') and os.path.basename(os.path.dirname(p)) == 'blas'),
    ]:
        hit = next((p for p in libs if test(p)), None)
        if hit:
            kind, library = name, os.path.realpath(hit)
            break
    if kind == 'unknown':
        low = config.lower()
        kind = 'openblas' if 'openblas' in low else 'mkl' if 'mkl' in (info or '').lower() else 'unknown'
    return {'kind': kind, 'library': library, 'blasInfo': info, 'configNamesOpenBLAS': 'openblas' in config.lower()}


_openblas = None


def openblas_handle(library):
    global _openblas
    if _openblas is None and library:
        try:
            lib = ctypes.CDLL(library)
            lib.openblas_set_num_threads.argtypes = [ctypes.c_int]
            lib.openblas_get_num_threads.restype = ctypes.c_int
            _openblas = lib
        except (OSError, AttributeError):
            _openblas = False
    return _openblas or None


def set_threads(n, library):
    """n OpenMP threads for torch, and n for OpenBLAS when it is the BLAS; returns OpenBLAS's count or None."""
    torch.set_num_threads(n)
    lib = openblas_handle(library)
    if lib is None:
        return None
    lib.openblas_set_num_threads(n)
    return lib.openblas_get_num_threads()


def keras_init(net):
    """Keras's defaults: glorot-uniform kernels, zero biases."""
    for m in net.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return net


def mlp():
    return keras_init(nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)))


def cnn():
    return keras_init(nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * 5 * 5, 10),
    ))


def adam(net):
    return torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)


def epoch(net, opt, x, y, loss_fn, batches=None):
    """One shuffled epoch (or its first `batches` batches); returns (seconds, mean training loss)."""
    n = len(x)
    net.train()
    started = time.perf_counter()
    order = torch.randperm(n)
    total = 0.0
    for k, i in enumerate(range(0, n, BATCH)):
        if batches is not None and k >= batches:
            break
        j = order[i:i + BATCH]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x[j]), y[j])
        loss.backward()
        opt.step()
        total += loss.item() * len(j)
    return time.perf_counter() - started, total / n


def run_mlp(threads, samples):
    x = torch.from_numpy(images('train', samples))  # [n, 28, 28]
    y = torch.from_numpy(labels('train', samples))
    torch.manual_seed(1)
    net = mlp()
    opt = adam(net)
    loss_fn = nn.CrossEntropyLoss()  # softmax + sparse categorical cross-entropy
    epochs, losses = [], []
    for e in range(2):
        seconds, loss = epoch(net, opt, x, y, loss_fn)
        epochs.append(seconds)
        losses.append(loss)
        log(f'  PyTorch MLP, {threads} thread{"s" if threads > 1 else ""}: epoch {e + 1}: {seconds:.2f} s, loss {loss:.4f}')
    return {'threads': threads, 'samples': len(x), 'epochs': epochs, 'losses': losses, 'warm': epochs[-1]}


def run_cnn(threads, samples):
    x = torch.from_numpy(images('train', samples)).unsqueeze(1)  # NCHW [n, 1, 28, 28]
    y = nn.functional.one_hot(torch.from_numpy(labels('train', samples)), 10).float()
    loss_fn = nn.CrossEntropyLoss()  # softmax + categorical cross-entropy on one-hot probabilities
    torch.manual_seed(1)
    throwaway = cnn()
    epoch(throwaway, adam(throwaway), x, y, loss_fn, batches=WARMUP_BATCHES)
    net = cnn()
    opt = adam(net)
    seconds, loss = epoch(net, opt, x, y, loss_fn)
    log(f'  PyTorch seed 002 CNN, {threads} thread{"s" if threads > 1 else ""}: {seconds:.2f} s for {len(x)} digits, loss {loss:.4f}')
    return {'threads': threads, 'samples': len(x), 'seconds': seconds, 'loss': loss, 'warmupBatches': WARMUP_BATCHES}


def main(argv):
    args = {'--mlp': None, '--cnn': None, '--threads': '1,2'}
    probe = False
    i = 0
    while i < len(argv):
        if argv[i] == '--probe':
            probe = True
            i += 1
        elif argv[i] in args and i + 1 < len(argv):
            args[argv[i]] = argv[i + 1]
            i += 2
        else:
            sys.exit(f'torch_epochs.py: unknown or incomplete argument {argv[i]!r} (see the docstring)')
    b = blas()
    out = {
        'torch': torch.__version__,
        'python': sys.version.split()[0],
        'executable': sys.executable,
        'blas': b,
        'defaultThreads': torch.get_num_threads(),
        'batch': BATCH,
    }
    if probe:
        print(json.dumps(out))
        return
    thread_counts = [int(t) for t in args['--threads'].split(',') if t]
    for key, run in [('mlp', run_mlp), ('cnn', run_cnn)]:
        if args[f'--{key}'] is None:
            continue
        samples = int(args[f'--{key}'])
        results = []
        for n in thread_counts:
            openblas_threads = set_threads(n, b['library'] if b['kind'] == 'openblas' else None)
            r = run(n, samples)
            r['torchThreads'] = torch.get_num_threads()
            r['openblasThreads'] = openblas_threads
            results.append(r)
        out[key] = results
    print(json.dumps(out))


if __name__ == '__main__':
    main(sys.argv[1:])
