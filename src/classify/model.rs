//! The learned text model: multinomial logistic regression over hashed word unigrams and
//! bigrams of the normalised text (subject words marked separately), trained from labelled
//! examples with AdaGrad and L2, with a temperature fitted on a held-out split so its
//! probabilities are calibrated. Stored as JSON (`classifiers/model.json`, versioned) with only
//! the feature buckets seen in training. Pure; no I/O besides load/save.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{normalise, DocType};

/// Bump when features or the file format change; an older file is refused with a clear error.
pub const MODEL_VERSION: u32 = 1;
const BUCKETS: u32 = 1 << 18;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("model file {path}: {message}")]
    File { path: String, message: String },
    #[error("model file {path} has version {found}; this intake reads version {MODEL_VERSION} — run `intake train` again")]
    Version { path: String, found: u32 },
    #[error("no training examples")]
    Empty,
}

/// One labelled example.
#[derive(Debug, Clone)]
pub struct Example {
    pub subject: String,
    pub text: String,
    pub doc_type: DocType,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TextModel {
    pub version: u32,
    /// Class order of every weight row.
    pub classes: Vec<DocType>,
    pub temperature: f32,
    pub bias: Vec<f32>,
    /// bucket → one weight per class.
    pub weights: BTreeMap<u32, Vec<f32>>,
    /// How it was made: examples, held-out accuracy before/after calibration.
    pub trained: TrainingSummary,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainingSummary {
    pub examples: usize,
    pub held_out: usize,
    pub held_out_accuracy: f32,
    pub held_out_log_loss: f32,
}

fn hash(s: &str) -> u32 {
    // FNV-1a: stable across builds and platforms (the model file depends on it).
    let mut h: u32 = 0x811c9dc5;
    for b in s.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x01000193);
    }
    h % BUCKETS
}

/// Hashed features with their value (binary, scaled to unit length).
fn features(subject: &str, text: &str) -> Vec<(u32, f32)> {
    let mut buckets = Vec::new();
    for (prefix, part) in [("s:", subject), ("", text)] {
        let norm = normalise(part);
        let words: Vec<&str> = norm
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 1 && !w.chars().all(|c| c.is_ascii_digit()))
            .collect();
        for w in &words {
            buckets.push(hash(&format!("{prefix}{w}")));
        }
        for pair in words.windows(2) {
            buckets.push(hash(&format!("{prefix}{} {}", pair[0], pair[1])));
        }
    }
    buckets.sort_unstable();
    buckets.dedup();
    let value = 1.0 / (buckets.len().max(1) as f32).sqrt();
    buckets.into_iter().map(|b| (b, value)).collect()
}

fn softmax(logits: &[f32], temperature: f32) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::MIN, f32::max);
    let exps: Vec<f32> = logits
        .iter()
        .map(|l| ((l - max) / temperature).exp())
        .collect();
    let sum: f32 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

impl TextModel {
    fn logits(&self, feats: &[(u32, f32)]) -> Vec<f32> {
        let mut out = self.bias.clone();
        for (b, v) in feats {
            if let Some(w) = self.weights.get(b) {
                for (o, wi) in out.iter_mut().zip(w) {
                    *o += wi * v;
                }
            }
        }
        out
    }

    /// Calibrated probability per type.
    pub fn predict(&self, subject: &str, text: &str) -> BTreeMap<DocType, f32> {
        let p = softmax(&self.logits(&features(subject, text)), self.temperature);
        self.classes.iter().copied().zip(p).collect()
    }

    /// Trains on `examples`; every fifth example is held out to fit the temperature and report.
    pub fn train(examples: &[Example], epochs: usize) -> Result<TextModel, ModelError> {
        if examples.is_empty() {
            return Err(ModelError::Empty);
        }
        let classes = DocType::ALL.to_vec();
        let k = classes.len();
        let data: Vec<(Vec<(u32, f32)>, usize)> = examples
            .iter()
            .map(|e| {
                let y = classes.iter().position(|c| *c == e.doc_type).unwrap_or(0);
                (features(&e.subject, &e.text), y)
            })
            .collect();
        let (train, held): (Vec<_>, Vec<_>) =
            data.iter().enumerate().partition(|(i, _)| i % 5 != 4);
        let train: Vec<&(Vec<(u32, f32)>, usize)> = train.into_iter().map(|(_, d)| d).collect();
        let held: Vec<&(Vec<(u32, f32)>, usize)> = held.into_iter().map(|(_, d)| d).collect();
        let mut model = TextModel {
            version: MODEL_VERSION,
            classes: classes.clone(),
            temperature: 1.0,
            bias: vec![0.0; k],
            weights: BTreeMap::new(),
            trained: TrainingSummary {
                examples: examples.len(),
                held_out: held.len(),
                held_out_accuracy: 0.0,
                held_out_log_loss: 0.0,
            },
        };
        let (rate, l2) = (0.5f32, 1e-5f32);
        let mut grad_sq: std::collections::HashMap<u32, Vec<f32>> = Default::default();
        let mut bias_sq = vec![1e-8f32; k];
        for _ in 0..epochs {
            for (feats, y) in &train {
                let p = softmax(&model.logits(feats), 1.0);
                let g: Vec<f32> = (0..k)
                    .map(|c| p[c] - if c == *y { 1.0 } else { 0.0 })
                    .collect();
                for c in 0..k {
                    bias_sq[c] += g[c] * g[c];
                    model.bias[c] -= rate * g[c] / bias_sq[c].sqrt();
                }
                for (b, v) in feats {
                    let w = model.weights.entry(*b).or_insert_with(|| vec![0.0; k]);
                    let gs = grad_sq.entry(*b).or_insert_with(|| vec![1e-8; k]);
                    for c in 0..k {
                        let gi = g[c] * v + l2 * w[c];
                        gs[c] += gi * gi;
                        w[c] -= rate * gi / gs[c].sqrt();
                    }
                }
            }
        }
        // Temperature: the one that minimises log loss on the held-out fifth.
        let held_logits: Vec<(Vec<f32>, usize)> =
            held.iter().map(|(f, y)| (model.logits(f), *y)).collect();
        let loss = |t: f32| -> f32 {
            held_logits
                .iter()
                .map(|(l, y)| -softmax(l, t)[*y].max(1e-9).ln())
                .sum::<f32>()
                / held_logits.len().max(1) as f32
        };
        let mut best = (1.0f32, f32::MAX);
        let mut t = 0.25f32;
        while t <= 8.0 {
            let l = loss(t);
            if l < best.1 {
                best = (t, l);
            }
            t *= 1.1;
        }
        model.temperature = best.0;
        let right = held_logits
            .iter()
            .filter(|(l, y)| {
                l.iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map(|(i, _)| i)
                    == Some(*y)
            })
            .count();
        model.trained.held_out_accuracy = right as f32 / held_logits.len().max(1) as f32;
        model.trained.held_out_log_loss = if held_logits.is_empty() { 0.0 } else { best.1 };
        // Keep the file small: drop weights that no longer matter.
        for w in model.weights.values_mut() {
            for x in w.iter_mut() {
                *x = (*x * 1000.0).round() / 1000.0;
            }
        }
        model
            .weights
            .retain(|_, w| w.iter().any(|x| x.abs() >= 0.01));
        Ok(model)
    }

    pub fn load(path: &Path) -> Result<TextModel, ModelError> {
        let err = |message: String| ModelError::File {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let version: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
        let found = version["version"].as_u64().unwrap_or(0) as u32;
        if found != MODEL_VERSION {
            return Err(ModelError::Version {
                path: path.display().to_string(),
                found,
            });
        }
        serde_json::from_value(version).map_err(|e| err(e.to_string()))
    }

    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        let err = |message: String| ModelError::File {
            path: path.display().to_string(),
            message,
        };
        let text = serde_json::to_string(self).map_err(|e| err(e.to_string()))?;
        std::fs::write(path, text).map_err(|e| err(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(subject: &str, text: &str, t: DocType) -> Example {
        Example {
            subject: subject.into(),
            text: text.into(),
            doc_type: t,
        }
    }

    #[test]
    fn learns_separable_classes_and_round_trips() {
        let mut examples = Vec::new();
        for i in 0..40 {
            examples.push(ex(
                "Kündigung",
                &format!("Ich kündige den Vertrag Nummer {i} zum Jahresende."),
                DocType::Cancellation,
            ));
            examples.push(ex(
                "Schaden",
                &format!("Beim Unfall {i} wurde mein Auto beschädigt."),
                DocType::Claim,
            ));
            examples.push(ex(
                "Umzug",
                &format!("Meine neue Anschrift ist Weg {i}."),
                DocType::AddressChange,
            ));
        }
        let m = TextModel::train(&examples, 5).unwrap();
        assert!(m.trained.held_out_accuracy > 0.95, "{:?}", m.trained);
        let p = m.predict("", "hiermit kündige ich meinen Vertrag");
        let best = p.iter().max_by(|a, b| a.1.total_cmp(b.1)).unwrap();
        assert_eq!(*best.0, DocType::Cancellation, "{p:?}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.json");
        m.save(&path).unwrap();
        let back = TextModel::load(&path).unwrap();
        assert_eq!(
            back.predict("", "hiermit kündige ich"),
            m.predict("", "hiermit kündige ich")
        );
        std::fs::write(&path, r#"{"version": 0}"#).unwrap();
        assert!(matches!(
            TextModel::load(&path),
            Err(ModelError::Version { found: 0, .. })
        ));
    }
}
