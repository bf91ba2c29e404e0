//! A small portable PRNG (SplitMix64) and the epoch-wise batch sampler SGD uses.
//!
//! Everything here is integer arithmetic defined bit for bit, so the same seed gives the same
//! numbers on every platform and compiler, and never depends on the clock or on hash-map order.
//!
//! **SplitMix64** (Steele, Lea & Flood 2014; the reference is Vigna's `splitmix64.c`): the state
//! is one `u64`; each draw adds `0x9E3779B97F4A7C15` (wrapping) and returns the mix
//! `z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27; z *= 0x94D049BB133111EB; z ^= z >> 31`.
//!
//! **Uniform integers** [`SplitMix64::below`]`(n)`: rejection sampling, unbiased. Let
//! `r = 2^64 mod n`; draws `x ≥ 2^64 − r` are rejected and redrawn, otherwise the result is
//! `x mod n`.
//!
//! **Shuffle** [`shuffle`]: Fisher–Yates from the back: for `i = n−1` down to `1`, swap element
//! `i` with element `j = below(i + 1)`.
//!
//! **Batches** [`BatchSampler`] (UDL section 6.2.1, "batches drawn without replacement, one
//! epoch = one pass"): the generator is seeded once with the run's seed. At the start of every
//! epoch the order `0, 1, …, n−1` is shuffled afresh (continuing the same generator); batches are
//! consecutive runs of `size` items of that order; when `size` does not divide `n` the epoch's
//! last batch holds the remaining `n mod size` items, so every item is used exactly once per
//! epoch. Each batch is returned sorted ascending (summation order, not membership, is all that
//! sorting changes: a batch of every item then sums exactly like the full loss).

/// The SplitMix64 generator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose state starts at `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n`, without modulo bias (see the module docs).
    ///
    /// # Panics
    /// If `n == 0`.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        let r = (u64::MAX % n + 1) % n; // 2^64 mod n
        loop {
            let x = self.next_u64();
            if r == 0 || x <= u64::MAX - r {
                return x % n;
            }
        }
    }

    /// A uniform float in `[0, 1)`: the top 53 bits of [`Self::next_u64`] times `2^-53`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// Shuffles `items` in place with Fisher–Yates (see the module docs).
pub fn shuffle<T>(items: &mut [T], rng: &mut SplitMix64) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// Draws batches of item indices epoch by epoch, without replacement within an epoch (see the
/// module docs for the exact procedure).
#[derive(Clone, Debug)]
pub struct BatchSampler {
    rng: SplitMix64,
    order: Vec<usize>,
    next: usize,
    size: usize,
}

impl BatchSampler {
    /// A sampler of batches of `size` items out of `num_items`, seeded with `seed`.
    ///
    /// # Panics
    /// If `size == 0` or `num_items == 0`.
    pub fn new(num_items: usize, size: usize, seed: u64) -> Self {
        assert!(size > 0 && num_items > 0, "empty batches");
        BatchSampler {
            rng: SplitMix64::new(seed),
            order: (0..num_items).collect(),
            next: num_items, // forces a shuffle before the first batch
            size,
        }
    }

    /// The next batch, sorted ascending.
    pub fn next_batch(&mut self) -> Vec<usize> {
        if self.next == self.order.len() {
            // A new epoch: reshuffle the identity order.
            for (i, v) in self.order.iter_mut().enumerate() {
                *v = i;
            }
            shuffle(&mut self.order, &mut self.rng);
            self.next = 0;
        }
        let end = (self.next + self.size).min(self.order.len());
        let mut batch = self.order[self.next..end].to_vec();
        self.next = end;
        batch.sort_unstable();
        batch
    }
}
