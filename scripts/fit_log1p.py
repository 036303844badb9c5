#!/usr/bin/env python3
"""Fits the degree-8 polynomial P with log1p(u) ~ u*P(u) on [0, 1] used by
lib/kernels/assembly/sigmoid_focal.ts (log1p4), minimizing relative error by
iteratively reweighted least squares, and reports the error of the float32
Horner evaluation. Needs numpy (Debian: python3-numpy)."""
import numpy as np

DEGREE = 8
x = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, 20000))
f = np.where(x == 0, 1.0, np.log1p(x) / np.where(x == 0, 1, x))
w = np.ones_like(x)
for _ in range(30):
    c = np.polynomial.polynomial.polyfit(x, f, DEGREE, w=w)
    rel = (np.polynomial.polynomial.polyval(x, c) - f) / f
    w = w * (1 + 5 * np.abs(rel) / np.abs(rel).max())
c32 = c.astype(np.float32)
u = np.linspace(0, 1, 200001).astype(np.float32)
y = np.full_like(u, c32[-1])
for k in range(DEGREE - 1, -1, -1):
    y = (y * u + c32[k]).astype(np.float32)
approx = (y * u).astype(np.float64)
true = np.log1p(u.astype(np.float64))
ok = true > 0
print("coefficients (u^0 first):", [float(v) for v in c32])
print("max relative error, float32 Horner:", float((np.abs(approx[ok] - true[ok]) / true[ok]).max()))
