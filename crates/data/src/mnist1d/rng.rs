//! Bit-exact ports of NumPy's legacy `RandomState` and of Python's `random` module (both MT19937).
//!
//! The official MNIST-1D generator seeds NumPy's global legacy generator (`np.random.seed`) and
//! draws everything from it; the udlbook double-descent notebook adds label noise with Python's
//! `random`. Reproducing those streams word for word is what makes [`super::generate`] return
//! the same numbers as the Python package. The C sources followed are NumPy's
//! `random/src/mt19937/mt19937.c`, `random/src/legacy/legacy-distributions.c`,
//! `random/src/distributions/distributions.c` (`random_interval`, `random_bounded_uint64`) and
//! CPython's `Modules/_randommodule.c`.

/// Number of 32-bit words in the MT19937 state.
const N: usize = 624;
/// MT19937 middle-word offset.
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// The 32-bit Mersenne Twister (Matsumoto & Nishimura 1998), the core of both generators.
#[derive(Clone, Debug)]
struct Mt19937 {
    state: [u32; N],
    pos: usize,
}

impl Mt19937 {
    /// `init_genrand(seed)`: the single-integer initialisation (`mt19937_seed` in NumPy).
    fn from_seed(seed: u32) -> Self {
        let mut state = [0u32; N];
        state[0] = seed;
        for i in 1..N {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        Mt19937 { state, pos: N }
    }

    /// `init_by_array(key)`: the array initialisation of the reference code, used by NumPy for
    /// array seeds and by CPython's `random.seed(int)`.
    fn from_key(key: &[u32]) -> Self {
        assert!(!key.is_empty(), "init_by_array needs a non-empty key");
        let mut mt = Mt19937::from_seed(19_650_218);
        let s = &mut mt.state;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = s[i - 1];
            s[i] = (s[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                s[0] = s[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = s[i - 1];
            s[i] =
                (s[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                s[0] = s[N - 1];
                i = 1;
            }
        }
        s[0] = 0x8000_0000;
        mt
    }

    /// Regenerates all 624 words.
    fn twist(&mut self) {
        let s = &mut self.state;
        let mix = |upper: u32, lower: u32, far: u32| {
            let y = (upper & UPPER_MASK) | (lower & LOWER_MASK);
            far ^ (y >> 1) ^ if y & 1 == 1 { MATRIX_A } else { 0 }
        };
        for i in 0..N - M {
            s[i] = mix(s[i], s[i + 1], s[i + M]);
        }
        for i in N - M..N - 1 {
            s[i] = mix(s[i], s[i + 1], s[i + M - N]);
        }
        s[N - 1] = mix(s[N - 1], s[0], s[M - 1]);
        self.pos = 0;
    }

    /// Next tempered 32-bit output (`genrand_int32`).
    fn next_u32(&mut self) -> u32 {
        if self.pos >= N {
            self.twist();
        }
        let mut y = self.state[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// 53-bit double in [0, 1) from two outputs (`genrand_res53`, NumPy's `mt19937_next_double`).
    fn next_f64(&mut self) -> f64 {
        let a = self.next_u32() >> 5;
        let b = self.next_u32() >> 6;
        (a as f64 * 67_108_864.0 + b as f64) / 9_007_199_254_740_992.0
    }
}

/// NumPy's legacy `numpy.random.RandomState` (what `np.random.seed` / `np.random.*` use).
///
/// Every method draws exactly the words NumPy's legacy implementation draws, so a sequence of
/// calls returns the same numbers as the same calls in Python (floating-point results to the
/// last bit, except where `ln` of the platform's libm differs from NumPy's).
#[derive(Clone, Debug)]
pub struct RandomState {
    mt: Mt19937,
    /// The second value of the last polar Box–Muller pair, returned by the next normal draw.
    cached_gauss: Option<f64>,
}

impl RandomState {
    /// `np.random.RandomState(seed)` / `np.random.seed(seed)` for an integer seed
    /// (MT19937 `init_genrand`; NumPy accepts exactly the range of `u32`).
    pub fn new(seed: u32) -> Self {
        RandomState {
            mt: Mt19937::from_seed(seed),
            cached_gauss: None,
        }
    }

    /// `np.random.RandomState(key)` for a 1-D array seed (MT19937 `init_by_array`).
    ///
    /// Panics if `key` is empty (NumPy raises `ValueError`).
    pub fn from_key(key: &[u32]) -> Self {
        RandomState {
            mt: Mt19937::from_key(key),
            cached_gauss: None,
        }
    }

    /// Next raw 32-bit word.
    pub fn next_u32(&mut self) -> u32 {
        self.mt.next_u32()
    }

    /// Next 64-bit word: two 32-bit words, the first one high (NumPy's `mt19937_next64`).
    pub fn next_u64(&mut self) -> u64 {
        let hi = self.mt.next_u32() as u64;
        (hi << 32) | self.mt.next_u32() as u64
    }

    /// `random_sample()` (also `rand()`, `random()`): a 53-bit double uniform in [0, 1).
    pub fn random_sample(&mut self) -> f64 {
        self.mt.next_f64()
    }

    /// `uniform(low, high)`: `low + (high − low)·random_sample()`.
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.random_sample()
    }

    /// `randn()` / `standard_normal()`: legacy polar Box–Muller (`legacy_gauss`).
    ///
    /// Draws pairs `x1 = 2u − 1`, `x2 = 2u − 1` until `0 < r² = x1² + x2² < 1`, returns
    /// `x2·f` with `f = sqrt(−2 ln r² / r²)` and keeps `x1·f` for the next call.
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(g) = self.cached_gauss.take() {
            return g;
        }
        loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.cached_gauss = Some(f * x1);
                return f * x2;
            }
        }
    }

    /// `normal(loc, scale)`: `loc + scale·standard_normal()`.
    pub fn normal(&mut self, loc: f64, scale: f64) -> f64 {
        loc + scale * self.standard_normal()
    }

    /// `randint(low, high)` with the default `int64` dtype: uniform in `[low, high)` by mask
    /// rejection (`random_bounded_uint64` with `use_masked`), 32-bit words while the range
    /// fits in 32 bits, 64-bit words otherwise.
    ///
    /// Panics unless `low < high` (NumPy raises `ValueError`).
    pub fn randint(&mut self, low: i64, high: i64) -> i64 {
        assert!(low < high, "randint: low >= high");
        let range = high.wrapping_sub(low).wrapping_sub(1) as u64;
        low.wrapping_add(self.bounded(range) as i64)
    }

    /// `choice(n)` (an integer population, uniform, with replacement): `randint(0, n)`.
    pub fn choice(&mut self, n: usize) -> usize {
        assert!(n > 0, "choice: population must be non-empty");
        self.bounded(n as u64 - 1) as usize
    }

    /// `permutation(n)`: `arange(n)` shuffled by [`RandomState::shuffle`].
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut items: Vec<usize> = (0..n).collect();
        self.shuffle(&mut items);
        items
    }

    /// `shuffle(x)` of a 1-D array (or of the rows of an array): Fisher–Yates from the end,
    /// swapping item `i` with item `j = random_interval(i)` for `i = n − 1, …, 1`.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.interval(i as u64) as usize;
            items.swap(i, j);
        }
    }

    /// `random_interval(max)`: uniform in `[0, max]` by mask rejection, the draw behind
    /// [`RandomState::shuffle`]. Identical to the bounded integers of [`RandomState::randint`].
    pub fn interval(&mut self, max: u64) -> u64 {
        self.bounded(max)
    }

    /// Uniform in `[0, range]`: `mask` = smallest `2^b − 1 ≥ range`, redraw `word & mask` until
    /// it is `≤ range`; 32-bit words when `range` fits in 32 bits.
    fn bounded(&mut self, range: u64) -> u64 {
        if range == 0 {
            return 0;
        }
        let mask = u64::MAX >> range.leading_zeros();
        if range <= u32::MAX as u64 {
            if range == u32::MAX as u64 {
                return self.next_u32() as u64;
            }
            loop {
                let v = self.next_u32() as u64 & mask;
                if v <= range {
                    return v;
                }
            }
        }
        if range == u64::MAX {
            return self.next_u64();
        }
        loop {
            let v = self.next_u64() & mask;
            if v <= range {
                return v;
            }
        }
    }
}

/// Python's `random.Random` for the draws the udlbook notebooks make: `seed(int)` and `random()`.
#[derive(Clone, Debug)]
pub struct PyRandom {
    mt: Mt19937,
}

impl PyRandom {
    /// `random.seed(seed)` for a non-negative integer: `init_by_array` with the 32-bit words of
    /// `seed`, least significant first (one word `0` for seed 0).
    pub fn new(seed: u64) -> Self {
        let key: Vec<u32> = if seed >> 32 == 0 {
            vec![seed as u32]
        } else {
            vec![seed as u32, (seed >> 32) as u32]
        };
        PyRandom {
            mt: Mt19937::from_key(&key),
        }
    }

    /// `random.random()`: a 53-bit double uniform in [0, 1).
    pub fn random(&mut self) -> f64 {
        self.mt.next_f64()
    }
}
