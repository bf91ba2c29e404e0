//! Closed-form least squares for the output layer of a shallow network.
//!
//! With the hidden layer fixed, a shallow network (UDL eq. 3.1) is linear in its output
//! parameters: y(x) = φ_0 + Σ_d φ_d·h_d(x). Fitting φ to data {(x_i, y_i)} minimises
//! ‖A φ − y‖² with design matrix A = [1, h_1(x_i), …, h_D(x_i)] (one row per point). This is
//! how the fixed-joint models of UDL fig. 3.5 and chapter 8 (NB 8_2) are fitted.
//!
//! Method: Householder QR with column pivoting (Golub & Van Loan, *Matrix Computations*,
//! §5.4.1), then back substitution. It works on A directly instead of the normal equations
//! AᵀA φ = Aᵀy, whose condition number is the square of A's. Without a ridge penalty (see [`ridge_least_squares`]), when
//! a pivot falls below max(n, p)·ε·|R_00| the problem has no unique solution (fewer points than
//! parameters, or a region with no data to pin its slope) and the fit fails with
//! [`Error::RankDeficient`] instead of returning an arbitrary answer.

use crate::{Error, Result};
use data::Dataset;
use models::Model;

/// Fits the output bias and weights of a one-input, one-output shallow model (hand-set `shallow`
/// or `relu-basis`) to `data`, keeping the hidden layer; returns the fitted model.
pub fn least_squares(model: &Model, data: &Dataset) -> Result<Model> {
    ridge_least_squares(model, data, 0.0)
}

/// Like [`least_squares`] with an L2 penalty (UDL eq. 9.5, "ridge regression"): minimises
/// Σ_i (f(x_i) − y_i)² + λ·Σ_j φ_j² over every output parameter φ (bias and weights). With
/// λ > 0 the solution is (AᵀA + λI)⁻¹Aᵀy; it is computed as the plain least-squares problem
/// of A stacked on √λ·I with y stacked on zeros, so it never forms AᵀA. λ = 0 is [`least_squares`].
pub fn ridge_least_squares(model: &Model, data: &Dataset, ridge: f64) -> Result<Model> {
    if !ridge.is_finite() || ridge < 0.0 {
        return Err(Error::InvalidData(format!(
            "the ridge penalty λ must be finite and ≥ 0, found {ridge}"
        )));
    }
    check_data(data)?;
    let (net, mut rows) = design_matrix(model, &data.x)?;
    let mut b = data.y.clone();
    if ridge > 0.0 {
        let p = rows[0].len();
        let s = ridge.sqrt();
        for j in 0..p {
            let mut row = vec![0.0; p];
            row[j] = s;
            rows.push(row);
            b.push(0.0);
        }
    }
    let phi = solve_least_squares(&rows, &b)?;
    Ok(Model::Shallow(net.with_phi(vec![phi])?))
}

/// Like [`ridge_least_squares`], but the penalty pulls towards the model's own output layer φ⁰
/// instead of towards zero: minimises Σ_i (f(x_i) − y_i)² + λ·Σ_j (φ_j − φ⁰_j)². With
/// φ = φ⁰ + δ this is the ridge fit of δ to the residuals y_i − f⁰(x_i), so it is computed that
/// way. As λ → 0 it tends to the least-squares fit nearest φ⁰, which is where full-batch
/// gradient descent from φ⁰ converges: any part of φ⁰ the data cannot see (e.g. a kink of
/// three units between two data points, UDL fig. 9.9a) is kept, not removed.
pub fn ridge_least_squares_toward_model(
    model: &Model,
    data: &Dataset,
    ridge: f64,
) -> Result<Model> {
    check_data(data)?;
    let (net, rows) = design_matrix(model, &data.x)?;
    let start = net.phi()[0].clone();
    let residuals = Dataset {
        x: data.x.clone(),
        y: rows
            .iter()
            .zip(&data.y)
            .map(|(row, y)| y - row.iter().zip(&start).map(|(a, p)| a * p).sum::<f64>())
            .collect(),
    };
    let Model::Shallow(step) = ridge_least_squares(model, &residuals, ridge)? else {
        unreachable!("a least-squares fit of a shallow model is shallow");
    };
    let phi = start
        .iter()
        .zip(&step.phi()[0])
        .map(|(a, d)| a + d)
        .collect();
    Ok(Model::Shallow(net.with_phi(vec![phi])?))
}

/// The design matrix of a one-input, one-output shallow model at inputs `xs`: one row
/// `[1, h_1(x), …, h_D(x)]` per input (the output is `row · φ`), with the network itself.
pub fn design_matrix<'a>(
    model: &'a Model,
    xs: &[f64],
) -> Result<(&'a models::ShallowNet, Vec<Vec<f64>>)> {
    let Model::Shallow(net) = model else {
        return Err(Error::UnsupportedModel {
            procedure: "least squares",
            needs: "a shallow or relu-basis model (it fits the output layer)",
            found: "an activation model, which has no output weights".to_owned(),
        });
    };
    if net.output_dim() != 1 {
        return Err(Error::UnsupportedModel {
            procedure: "least squares",
            needs: "a model with one output (the data set has one target)",
            found: format!("{} outputs", net.output_dim()),
        });
    }
    let rows = xs
        .iter()
        .map(|&x| {
            let h = net.hidden(&[x])?;
            Ok(std::iter::once(1.0).chain(h).collect())
        })
        .collect::<Result<Vec<Vec<f64>>>>()?;
    Ok((net, rows))
}

pub(crate) fn check_data(data: &Dataset) -> Result<()> {
    if data.x.len() != data.y.len() {
        return Err(Error::InvalidData(format!(
            "x has {} values but y has {}",
            data.x.len(),
            data.y.len()
        )));
    }
    if data.is_empty() {
        return Err(Error::InvalidData("no points".to_owned()));
    }
    if let Some(i) = (0..data.len()).find(|&i| !data.x[i].is_finite() || !data.y[i].is_finite()) {
        return Err(Error::InvalidData(format!(
            "point {i} is not finite: ({}, {})",
            data.x[i], data.y[i]
        )));
    }
    Ok(())
}

/// Solves min_w ‖A w − b‖² for `rows` = the rows of A (all of one length p) and right-hand side
/// `b`, by Householder QR with column pivoting. Fails with [`Error::RankDeficient`] when A has
/// numerical rank below p.
pub fn solve_least_squares(rows: &[Vec<f64>], b: &[f64]) -> Result<Vec<f64>> {
    let n = rows.len();
    let p = rows.first().map_or(0, Vec::len);
    if b.len() != n || rows.iter().any(|r| r.len() != p) || p == 0 {
        return Err(Error::InvalidData(format!(
            "least squares needs {n} rows of one non-zero length and {n} targets, found {} targets",
            b.len()
        )));
    }
    // Column-major copy: cols[j][i] = A[i][j]. Householder steps overwrite it with R.
    let mut cols: Vec<Vec<f64>> = (0..p)
        .map(|j| rows.iter().map(|r| r[j]).collect())
        .collect();
    let mut rhs = b.to_vec();
    let mut perm: Vec<usize> = (0..p).collect();
    let steps = n.min(p);
    let mut r00 = 0.0;
    for k in 0..steps {
        // Pivot: the remaining column with the largest norm below row k.
        let tail_norm2 = |c: &Vec<f64>| c[k..].iter().map(|v| v * v).sum::<f64>();
        let (best, best_norm2) = (k..p)
            .map(|j| (j, tail_norm2(&cols[j])))
            .fold((k, -1.0), |acc, cur| if cur.1 > acc.1 { cur } else { acc });
        cols.swap(k, best);
        perm.swap(k, best);
        let norm = best_norm2.sqrt();
        if k == 0 {
            r00 = norm;
        }
        if norm <= r00 * (n.max(p) as f64) * f64::EPSILON || norm == 0.0 {
            return Err(Error::RankDeficient {
                rank: k,
                parameters: p,
                points: n,
            });
        }
        // Householder vector v = x − α e_1 with α = −sign(x_0)·‖x‖ (no cancellation).
        let alpha = if cols[k][k] > 0.0 { -norm } else { norm };
        let mut v = cols[k][k..].to_vec();
        v[0] -= alpha;
        let v_norm2: f64 = v.iter().map(|x| x * x).sum();
        let reflect = |target: &mut [f64]| {
            let dot: f64 = v.iter().zip(target.iter()).map(|(a, b)| a * b).sum();
            let scale = 2.0 * dot / v_norm2;
            target
                .iter_mut()
                .zip(&v)
                .for_each(|(t, vi)| *t -= scale * vi);
        };
        for col in cols.iter_mut().skip(k + 1) {
            reflect(&mut col[k..]);
        }
        reflect(&mut rhs[k..]);
        cols[k][k] = alpha;
    }
    if steps < p {
        return Err(Error::RankDeficient {
            rank: steps,
            parameters: p,
            points: n,
        });
    }
    // Back substitution R z = (Qᵀb)[..p], then undo the pivoting: w[perm[k]] = z[k].
    let mut z = vec![0.0; p];
    for k in (0..p).rev() {
        let s: f64 = ((k + 1)..p).map(|j| cols[j][k] * z[j]).sum();
        z[k] = (rhs[k] - s) / cols[k][k];
    }
    let mut w = vec![0.0; p];
    for (k, &j) in perm.iter().enumerate() {
        w[j] = z[k];
    }
    Ok(w)
}
