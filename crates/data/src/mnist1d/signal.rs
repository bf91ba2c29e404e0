//! The NumPy/SciPy numerics MNIST-1D uses, in the same floating-point order: `linspace`,
//! `interp` (what `scipy.interpolate.interp1d(kind="linear")` delegates to for 1-D data),
//! `gaussian_filter1d` (mode "reflect") and NumPy's pairwise summation.

/// `numpy.linspace(start, stop, num)`: `start + i·step`, `step = (stop − start)/(num − 1)`, the
/// last point exactly `stop`; `[start]` for one point.
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 1 {
        return vec![start];
    }
    let step = (stop - start) / (num - 1) as f64;
    let mut xs: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    if let Some(last) = xs.last_mut() {
        *last = stop;
    }
    xs
}

/// `numpy.interp(x, xp, fp)` with the default ends: `fp[0]` left of `xp[0]`, `fp[last]` right of
/// `xp[last]`; exact knots return their `fp`; otherwise `slope·(x − xp[j]) + fp[j]` with
/// `slope = (fp[j+1] − fp[j])/(xp[j+1] − xp[j])` on the interval `xp[j] ≤ x < xp[j+1]`.
///
/// `xp` must be increasing and as long as `fp` (at least one point).
pub fn interp(x: &[f64], xp: &[f64], fp: &[f64]) -> Vec<f64> {
    assert!(
        !xp.is_empty() && xp.len() == fp.len(),
        "interp: xp and fp must be non-empty and of equal length"
    );
    let last = xp.len() - 1;
    x.iter()
        .map(|&v| {
            if v <= xp[0] {
                // `v == xp[0]` is the exact-knot case, `v < xp[0]` the left fill.
                return fp[0];
            }
            if v >= xp[last] {
                return fp[last];
            }
            // Largest j with xp[j] <= v; 0 <= j < last here.
            let j = xp.partition_point(|&k| k <= v) - 1;
            if xp[j] == v {
                fp[j]
            } else {
                let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
                slope * (v - xp[j]) + fp[j]
            }
        })
        .collect()
}

/// Linear resampling to `n` points, MNIST-1D's `interpolate(x, n)`: the samples sit at
/// `linspace(0, 1, len)` and are read at `linspace(0, 1, n)`; the ends map onto the ends.
pub fn resample_linear(values: &[f64], n: usize) -> Vec<f64> {
    let xp = linspace(0.0, 1.0, values.len());
    interp(&linspace(0.0, 1.0, n), &xp, values)
}

/// The normalised Gaussian taps of `scipy.ndimage.gaussian_filter1d`: radius
/// `r = int(truncate·sigma + 0.5)`, weights `exp((−0.5/sigma²·x)·x)` for `x = −r..=r`, divided
/// by their (pairwise) sum.
pub fn gaussian_kernel(sigma: f64, truncate: f64) -> Vec<f64> {
    let radius = (truncate * sigma + 0.5) as i64;
    let c2 = -0.5 / (sigma * sigma);
    let phi: Vec<f64> = (-radius..=radius)
        .map(|x| {
            let x = x as f64;
            (c2 * x * x).exp()
        })
        .collect();
    let total = pairwise_sum(&phi);
    phi.iter().map(|w| w / total).collect()
}

/// `scipy.ndimage.gaussian_filter1d(input, sigma, mode="reflect", truncate=truncate)`.
///
/// Output `o[i] = w₀·v[i] + Σ_{j=r..1} w_j·(v[i−j] + v[i+j])` (SciPy's symmetric-kernel loop, in
/// its order), with half-sample symmetric reflection at both ends (`… v1 v0 | v0 v1 … vₙ₋₁ |
/// vₙ₋₁ vₙ₋₂ …`, periodic with period `2n` for kernels longer than the signal).
pub fn gaussian_filter1d(input: &[f64], sigma: f64, truncate: f64) -> Vec<f64> {
    let n = input.len();
    if n == 0 {
        return Vec::new();
    }
    let weights = gaussian_kernel(sigma, truncate);
    let r = weights.len() / 2;
    // The line extended by r samples on each side, as SciPy's line buffer.
    let period = 2 * n as i64;
    let reflect = |i: i64| {
        let k = i.rem_euclid(period);
        input[if k < n as i64 { k } else { period - 1 - k } as usize]
    };
    let mut ext = Vec::with_capacity(n + 2 * r);
    ext.extend((-(r as i64)..0).map(reflect));
    ext.extend_from_slice(input);
    ext.extend((n as i64..(n + r) as i64).map(reflect));
    (0..n)
        .map(|i| {
            let c = i + r;
            let mut acc = ext[c] * weights[r];
            for j in (1..=r).rev() {
                acc += (ext[c - j] + ext[c + j]) * weights[r - j];
            }
            acc
        })
        .collect()
}

/// NumPy's pairwise summation (`DOUBLE_pairwise_sum`), which `np.sum`, `mean` and `std` use
/// along a contiguous axis: 8 interleaved partial sums for blocks up to 128 values, recursive
/// halving (at multiples of 8) above.
pub fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let full = n - n % 8;
        let mut i = 8;
        while i < full {
            for (acc, &v) in r.iter_mut().zip(&a[i..i + 8]) {
                *acc += v;
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// Mean and population standard deviation the way `x.mean()` and `x.std()` compute them:
/// `m = Σx/n`, `s = sqrt(Σ(x − m)²/n)`, both sums pairwise.
pub fn mean_std(a: &[f64]) -> (f64, f64) {
    let n = a.len() as f64;
    let mean = pairwise_sum(a) / n;
    let sq: Vec<f64> = a
        .iter()
        .map(|&v| {
            let d = v - mean;
            d * d
        })
        .collect();
    (mean, (pairwise_sum(&sq) / n).sqrt())
}
