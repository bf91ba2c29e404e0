# PyTorch reference for `pipeline bench training`: the same MNIST-1D networks (MLP 40-100-100-10,
# CNN 25-25-25 with kernels 5, 3, 3, stride 2, padding 1), batch 100, Adam (lr 1e-3),
# softmax cross-entropy; median of 5 runs, as the bench prints them. Optional: the project never
# needs Python. Run: `python scripts/pytorch_reference.py THREADS` with torch installed.
import sys, time, torch, torch.nn as nn

torch.manual_seed(0)
threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(threads)
x = torch.randn(4000, 40)
y = torch.randint(0, 10, (4000,))


class MLP(nn.Module):
    def __init__(s):
        super().__init__()
        s.l1 = nn.Linear(40, 100); s.l2 = nn.Linear(100, 100); s.l3 = nn.Linear(100, 10)

    def forward(s, x):
        h = torch.relu(s.l1(x)); h = torch.relu(s.l2(h)); return s.l3(h)


class CNN(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv1d(1, 25, 5, 2, 1); s.c2 = nn.Conv1d(25, 25, 3, 2, 1)
        s.c3 = nn.Conv1d(25, 25, 3, 2, 1); s.l = nn.Linear(125, 10)

    def forward(s, x):
        h = x.unsqueeze(1); h = torch.relu(s.c1(h)); h = torch.relu(s.c2(h))
        h = torch.relu(s.c3(h)); return s.l(h.flatten(1))


def bench(model, steps):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = nn.CrossEntropyLoss()

    def step(s):
        r = (s * 100) % 4000
        opt.zero_grad(); loss = lossf(model(x[r:r + 100]), y[r:r + 100]); loss.backward(); opt.step()

    for s in range(20):
        step(s)
    times = []
    for rep in range(5):
        t = time.perf_counter()
        for s in range(steps):
            step(s)
        times.append((time.perf_counter() - t) / steps)
    times.sort()
    return times[2]


print(f"torch {torch.__version__}, {threads} thread(s)")
print(f"MLP 40-100-100-10: {bench(MLP(), 1000) * 1e6:.1f} us/step")
print(f"CNN 25-25-25:      {bench(CNN(), 500) * 1e6:.1f} us/step")
