//! The learned text model: multinomial logistic regression over hashed word unigrams, word
//! bigrams and character 4-grams of the normalised text (subject words marked separately),
//! trained from weighted, labelled examples with AdaGrad and L2. Its temperature and its share
//! against the rules are fitted on out-of-fold predictions (k-fold over the examples), so the
//! probabilities are calibrated on documents the model did not see. Stored as JSON
//! (`classifiers/model.json`, versioned) with only the feature buckets that matter. Pure; no I/O
//! besides load/save.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{normalise, DocType};

/// Bump when features or the file format change; an older file is refused with a clear error.
pub const MODEL_VERSION: u32 = 2;
const BUCKETS: u32 = 1 << 18;
/// Folds for the out-of-fold predictions that calibrate the model.
const FOLDS: usize = 5;
/// Calibrating examples must weigh at least this much to fit temperature and share on.
const MIN_CALIBRATION_WEIGHT: f32 = 30.0;
/// Character n-grams are taken from words at least this long ("<wort>" padded).
const CHAR_GRAM: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("model file {path}: {message}")]
    File { path: String, message: String },
    #[error("model file {path} has version {found}; this intake reads version {MODEL_VERSION} — run `intake train` again (`make model` for the shipped one)")]
    Version { path: String, found: u64 },
    #[error("no training examples")]
    Empty,
}

/// One labelled example.
#[derive(Debug, Clone)]
pub struct Example {
    pub subject: String,
    pub text: String,
    pub doc_type: DocType,
    /// How much it counts in training and calibration: its gradient and its log loss are
    /// scaled by it (1 = one document).
    pub weight: f32,
    /// Whether its out-of-fold prediction calibrates the model. False for examples the rules
    /// were tuned on: there the rules look better than they are on new mail.
    pub calibrate: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TextModel {
    pub version: u32,
    /// Class order of every weight row.
    pub classes: Vec<DocType>,
    pub temperature: f32,
    /// Share of the rules in the combined probability (the model has the rest).
    pub rules_weight: f32,
    pub bias: Vec<f32>,
    /// bucket → one weight per class (written sorted, so the file is stable).
    #[serde(serialize_with = "sorted")]
    pub weights: HashMap<u32, Vec<f32>>,
    /// How it was made: examples and the out-of-fold figures of the combined decision.
    pub trained: TrainingSummary,
}

fn sorted<S: serde::Serializer>(
    weights: &HashMap<u32, Vec<f32>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(weights.iter().collect::<BTreeMap<_, _>>())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainingSummary {
    pub examples: usize,
    pub folds: usize,
    /// Examples whose out-of-fold predictions fitted the temperature and the rules' share.
    pub calibration_examples: usize,
    /// False when they weighed less than the minimum: then the temperature is 1 and the
    /// shares are equal.
    #[serde(default)]
    pub calibrated: bool,
    /// Out-of-fold accuracy of the best type (rules and model combined), weighted.
    pub out_of_fold_accuracy: f32,
    /// Out-of-fold log loss of the model alone on the true type, weighted.
    pub out_of_fold_log_loss: f32,
    /// Out-of-fold accuracy of the rules alone and of the model alone, for comparison.
    pub rules_accuracy: f32,
    pub model_accuracy: f32,
}

/// FNV-1a over the parts as if concatenated: stable across builds and platforms (the model file
/// depends on it), and no string is built for it.
fn hash(parts: &[&str]) -> u32 {
    let mut h: u32 = 0x811c9dc5;
    for b in parts.iter().flat_map(|p| p.bytes()) {
        h ^= b as u32;
        h = h.wrapping_mul(0x01000193);
    }
    h % BUCKETS
}

/// Hashed features with their value (binary, scaled to unit length).
fn features(subject: &str, text: &str) -> Vec<(u32, f32)> {
    let mut buckets = Vec::new();
    let mut padded = String::new();
    for (prefix, part) in [("s:", subject), ("", text)] {
        let norm = normalise(part);
        let words: Vec<&str> = norm
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 1 && !w.chars().all(|c| c.is_ascii_digit()))
            .collect();
        for w in &words {
            buckets.push(hash(&[prefix, w]));
            // Pieces of words: German compounds, inflections and typos share them.
            padded.clear();
            padded.push('<');
            padded.push_str(w);
            padded.push('>');
            let starts: Vec<usize> = padded.char_indices().map(|(i, _)| i).collect();
            if starts.len() > CHAR_GRAM + 1 {
                for i in 0..=starts.len() - CHAR_GRAM {
                    let end = starts.get(i + CHAR_GRAM).copied().unwrap_or(padded.len());
                    buckets.push(hash(&["c:", &padded[starts[i]..end]]));
                }
            }
        }
        for pair in words.windows(2) {
            buckets.push(hash(&[prefix, pair[0], " ", pair[1]]));
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

fn argmax(values: &[f32]) -> usize {
    values
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i)
}

/// A training row: features, class index, weight.
type Row = (Vec<(u32, f32)>, usize, f32);

/// Weights and bias only; what one fold (or the final fit) learns.
struct Linear {
    bias: Vec<f32>,
    weights: HashMap<u32, Vec<f32>>,
}

impl Linear {
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

    /// AdaGrad with L2 over `rows` (indices into `data`), in a fresh shuffled order each epoch.
    fn fit(data: &[Row], rows: &[usize], classes: usize, epochs: usize) -> Linear {
        let (rate, l2) = (0.5f32, 1e-5f32);
        let mut model = Linear {
            bias: vec![0.0; classes],
            weights: Default::default(),
        };
        let mut grad_sq: std::collections::HashMap<u32, Vec<f32>> = Default::default();
        let mut bias_sq = vec![1e-8f32; classes];
        let mut order = rows.to_vec();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..epochs {
            // Fisher–Yates with a fixed-seed xorshift: training is reproducible.
            for i in (1..order.len()).rev() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                order.swap(i, (seed % (i as u64 + 1)) as usize);
            }
            for &r in &order {
                let (feats, y, weight) = &data[r];
                let p = softmax(&model.logits(feats), 1.0);
                let g: Vec<f32> = (0..classes)
                    .map(|c| weight * (p[c] - if c == *y { 1.0 } else { 0.0 }))
                    .collect();
                for c in 0..classes {
                    bias_sq[c] += g[c] * g[c];
                    model.bias[c] -= rate * g[c] / bias_sq[c].sqrt();
                }
                for (b, v) in feats {
                    let w = model
                        .weights
                        .entry(*b)
                        .or_insert_with(|| vec![0.0; classes]);
                    let gs = grad_sq.entry(*b).or_insert_with(|| vec![1e-8; classes]);
                    for c in 0..classes {
                        let gi = g[c] * v + l2 * w[c];
                        gs[c] += gi * gi;
                        w[c] -= rate * gi / gs[c].sqrt();
                    }
                }
            }
        }
        model
    }
}

/// Rules and model mixed at the rules' share. Where the rules found no evidence (their "no type"
/// mass), they abstain: that part of their share follows the model too. So a document the rules
/// know nothing about gets the model's own calibrated probabilities.
fn mix(rules: &[f32], rules_weight: f32, learned: &[f32]) -> Vec<f32> {
    let abstain = (1.0 - rules.iter().sum::<f32>()).clamp(0.0, 1.0);
    rules
        .iter()
        .zip(learned)
        .map(|(r, l)| rules_weight * (r + abstain * l) + (1.0 - rules_weight) * l)
        .collect()
}

impl TextModel {
    /// Calibrated probability per type, the model alone.
    pub fn predict(&self, subject: &str, text: &str) -> BTreeMap<DocType, f32> {
        let feats = features(subject, text);
        let mut logits = self.bias.clone();
        for (b, v) in &feats {
            if let Some(w) = self.weights.get(b) {
                for (o, wi) in logits.iter_mut().zip(w) {
                    *o += wi * v;
                }
            }
        }
        let p = softmax(&logits, self.temperature);
        self.classes.iter().copied().zip(p).collect()
    }

    /// The rules' probabilities combined with the model's ([`TextModel::predict`]) at the
    /// fitted share.
    pub fn combine(
        &self,
        rules: &BTreeMap<DocType, f32>,
        learned: &BTreeMap<DocType, f32>,
    ) -> BTreeMap<DocType, f32> {
        let by_class = |m: &BTreeMap<DocType, f32>| -> Vec<f32> {
            self.classes
                .iter()
                .map(|c| m.get(c).copied().unwrap_or(0.0))
                .collect()
        };
        let mixed = mix(&by_class(rules), self.rules_weight, &by_class(learned));
        self.classes.iter().copied().zip(mixed).collect()
    }

    /// Trains on `examples`. On the out-of-fold predictions of the calibrating examples the
    /// temperature is chosen to minimise the model's log loss, then the rules' share to
    /// minimise the combination's (`rules` gives the rules' probabilities for an example);
    /// then the model is fitted on every example. Too few calibrating examples: temperature 1,
    /// equal shares, `trained.calibrated` false.
    pub fn train(
        examples: &[Example],
        epochs: usize,
        rules: impl Fn(&Example) -> BTreeMap<DocType, f32>,
    ) -> Result<TextModel, ModelError> {
        if examples.is_empty() {
            return Err(ModelError::Empty);
        }
        let classes = DocType::ALL.to_vec();
        let k = classes.len();
        let data: Vec<Row> = examples
            .iter()
            .map(|e| {
                let y = classes.iter().position(|c| *c == e.doc_type).unwrap_or(0);
                (features(&e.subject, &e.text), y, e.weight.max(0.0))
            })
            .collect();
        // A document's fold follows from its text, so copies of it stay in one fold.
        let fold_of: Vec<usize> = examples
            .iter()
            .map(|e| hash(&[&e.subject, "\n", &e.text]) as usize % FOLDS)
            .collect();
        let mut out_of_fold: Vec<Vec<f32>> = vec![Vec::new(); data.len()];
        for fold in 0..FOLDS {
            let (held, rest): (Vec<usize>, Vec<usize>) =
                (0..data.len()).partition(|i| fold_of[*i] == fold);
            if held.is_empty() || rest.is_empty() {
                continue;
            }
            let fitted = Linear::fit(&data, &rest, k, epochs);
            for i in held {
                out_of_fold[i] = fitted.logits(&data[i].0);
            }
        }
        let rule_probabilities: Vec<Vec<f32>> = examples
            .iter()
            .map(|e| {
                let r = rules(e);
                classes
                    .iter()
                    .map(|c| r.get(c).copied().unwrap_or(0.0))
                    .collect()
            })
            .collect();
        let scored: Vec<usize> = (0..data.len())
            .filter(|i| !out_of_fold[*i].is_empty() && examples[*i].calibrate)
            .collect();
        let calibration_weight: f32 = scored.iter().map(|i| data[*i].2).sum();
        let total_weight = calibration_weight.max(1e-9);
        // First the temperature that makes the model's own probabilities honest on documents it
        // did not see, then the rules' share that makes the combination honest. Mail the rules
        // were tuned on must not calibrate (it flatters the rules).
        let log_loss = |temperature: f32| -> f32 {
            scored
                .iter()
                .map(|&i| {
                    let (_, y, w) = &data[i];
                    -w * softmax(&out_of_fold[i], temperature)[*y].max(1e-6).ln()
                })
                .sum::<f32>()
                / total_weight
        };
        // Too little to fit on (a handful of corrections, or nothing marked to calibrate): the
        // neutral temperature and equal shares, and the summary says so.
        let calibrated = calibration_weight >= MIN_CALIBRATION_WEIGHT;
        let mut best = (1.0f32, f32::MAX);
        let mut temperature = 0.01f32;
        while calibrated && temperature <= 16.0 {
            let l = log_loss(temperature);
            if l < best.1 {
                best = (temperature, l);
            }
            temperature *= 1.1;
        }
        let (temperature, loss) = best;
        let combined_loss = |rules_weight: f32| -> f32 {
            scored
                .iter()
                .map(|&i| {
                    let (_, y, w) = &data[i];
                    let learned = softmax(&out_of_fold[i], temperature);
                    -w * mix(&rule_probabilities[i], rules_weight, &learned)[*y]
                        .max(1e-6)
                        .ln()
                })
                .sum::<f32>()
                / total_weight
        };
        let rules_weight = match calibrated {
            true => (0..=20)
                .map(|step| step as f32 / 20.0)
                .min_by(|a, b| combined_loss(*a).total_cmp(&combined_loss(*b)))
                .unwrap_or(0.5),
            false => 0.5,
        };
        // Weighted share of calibrating examples whose best type is right.
        let accuracy = |decide: &dyn Fn(usize) -> Vec<f32>| -> f32 {
            scored
                .iter()
                .filter(|&&i| {
                    let p = decide(i);
                    argmax(&p) == data[i].1 && p[data[i].1] > 0.0
                })
                .map(|&i| data[i].2)
                .sum::<f32>()
                / total_weight
        };
        let learned = |i: usize| softmax(&out_of_fold[i], temperature);
        let combined = accuracy(&|i| mix(&rule_probabilities[i], rules_weight, &learned(i)));
        let rules_accuracy = accuracy(&|i| rule_probabilities[i].clone());
        let model_accuracy = accuracy(&learned);
        let all: Vec<usize> = (0..data.len()).collect();
        let fitted = Linear::fit(&data, &all, k, epochs);
        // Keep the file small: round, and drop weights that no longer matter.
        let weights: HashMap<u32, Vec<f32>> = fitted
            .weights
            .into_iter()
            .map(|(b, w)| (b, w.iter().map(|x| (x * 1000.0).round() / 1000.0).collect()))
            .filter(|(_, w): &(u32, Vec<f32>)| w.iter().any(|x| x.abs() >= 0.01))
            .collect();
        Ok(TextModel {
            version: MODEL_VERSION,
            classes,
            temperature,
            rules_weight,
            bias: fitted.bias,
            weights,
            trained: TrainingSummary {
                examples: examples.len(),
                folds: FOLDS,
                calibration_examples: scored.len(),
                out_of_fold_accuracy: combined,
                calibrated,
                out_of_fold_log_loss: if calibrated { loss } else { 0.0 },
                rules_accuracy,
                model_accuracy,
            },
        })
    }

    pub fn load(path: &Path) -> Result<TextModel, ModelError> {
        let err = |message: String| ModelError::File {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        TextModel::parse(&text, &path.display().to_string())
    }

    /// From the JSON text of a model file; `origin` names it in errors. The version is checked
    /// first, then the whole file, then that its numbers make sense.
    pub fn parse(text: &str, origin: &str) -> Result<TextModel, ModelError> {
        let err = |message: String| ModelError::File {
            path: origin.to_string(),
            message,
        };
        #[derive(Deserialize)]
        struct Version {
            #[serde(default)]
            version: u64,
        }
        let found: Version = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
        if found.version != u64::from(MODEL_VERSION) {
            return Err(ModelError::Version {
                path: origin.to_string(),
                found: found.version,
            });
        }
        let model: TextModel = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
        model.check().map_err(err)?;
        Ok(model)
    }

    /// Every row as long as the class list, every number finite, temperature above 0, share
    /// in [0, 1], no class twice.
    fn check(&self) -> Result<(), String> {
        let k = self.classes.len();
        let unique: std::collections::BTreeSet<&DocType> = self.classes.iter().collect();
        if k == 0 || unique.len() != k {
            return Err("classes must be listed once each".into());
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err(format!("temperature {} must be above 0", self.temperature));
        }
        if !(0.0..=1.0).contains(&self.rules_weight) {
            return Err(format!(
                "rules_weight {} must be in [0, 1]",
                self.rules_weight
            ));
        }
        let rows = std::iter::once((&0u32, &self.bias)).chain(self.weights.iter());
        for (bucket, row) in rows {
            if row.len() != k || row.iter().any(|x| !x.is_finite()) {
                return Err(format!(
                    "weights of bucket {bucket} must be {k} finite numbers"
                ));
            }
        }
        Ok(())
    }

    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        let err = |message: String| ModelError::File {
            path: path.display().to_string(),
            message,
        };
        let text = serde_json::to_string(self).map_err(|e| err(e.to_string()))?;
        // Written beside it and renamed: a crash never leaves half a model behind.
        let partial = path.with_extension("json.partial");
        std::fs::write(&partial, text).map_err(|e| err(e.to_string()))?;
        std::fs::rename(&partial, path).map_err(|e| err(e.to_string()))
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
            weight: 1.0,
            calibrate: true,
        }
    }

    /// Texts of made-up words: nothing to learn from but the words themselves.
    fn noise(n: usize, seed: u64) -> Vec<Example> {
        let mut x = seed;
        let mut next = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 33
        };
        (0..n)
            .map(|_| {
                let words: Vec<String> = (0..12).map(|_| format!("w{}", next() % 5000)).collect();
                let t = if next() % 2 == 0 {
                    DocType::Claim
                } else {
                    DocType::Cancellation
                };
                ex("", &words.join(" "), t)
            })
            .collect()
    }

    /// Out-of-fold means out of fold: on labels that are noise, the model cannot beat chance
    /// by much (in-sample predictions would be near 1.0).
    #[test]
    fn out_of_fold_predictions_do_not_leak() {
        let m = TextModel::train(&noise(200, 7), 6, |_| BTreeMap::new()).unwrap();
        assert!(m.trained.model_accuracy < 0.7, "{:?}", m.trained);
    }

    /// Only examples marked to calibrate fit the temperature; without enough of them the
    /// model is left neutral and says so.
    #[test]
    fn only_calibrating_examples_fit_the_temperature() {
        let mut clean = Vec::new();
        for i in 0..40 {
            clean.push(ex(
                "",
                &format!("Ich kündige den Vertrag {i}"),
                DocType::Cancellation,
            ));
            clean.push(ex(
                "",
                &format!("Mein Auto hatte einen Unfall {i}"),
                DocType::Claim,
            ));
        }
        let noisy = noise(80, 3);
        let train = |clean_calibrates: bool, noisy_calibrates: bool| {
            let mut examples = Vec::new();
            for e in &clean {
                examples.push(Example {
                    calibrate: clean_calibrates,
                    ..e.clone()
                });
            }
            for e in &noisy {
                examples.push(Example {
                    calibrate: noisy_calibrates,
                    ..e.clone()
                });
            }
            TextModel::train(&examples, 4, |_| BTreeMap::new()).unwrap()
        };
        let on_clean = train(true, false);
        let on_noise = train(false, true);
        assert!(on_clean.trained.calibrated);
        assert_eq!(on_clean.trained.calibration_examples, 80);
        // Sure where it is right, flattened where the labels are noise.
        assert!(
            on_noise.temperature > 2.0 * on_clean.temperature,
            "{} vs {}",
            on_noise.temperature,
            on_clean.temperature
        );
        let neither = train(false, false);
        assert!(!neither.trained.calibrated);
        assert_eq!(neither.temperature, 1.0);
        assert_eq!(neither.rules_weight, 0.5);
    }

    /// The rules' share follows how much the rules are worth out of fold.
    #[test]
    fn the_rules_share_is_fitted() {
        // The model can learn nothing from these texts.
        let examples = noise(120, 11);
        let truth: std::collections::HashMap<String, DocType> = examples
            .iter()
            .map(|e| (e.text.clone(), e.doc_type))
            .collect();
        let other = |t: DocType| match t {
            DocType::Claim => DocType::Cancellation,
            _ => DocType::Claim,
        };
        let right =
            TextModel::train(&examples, 4, |e| BTreeMap::from([(truth[&e.text], 0.9)])).unwrap();
        assert!(right.rules_weight >= 0.8, "{}", right.rules_weight);
        let wrong = TextModel::train(&examples, 4, |e| {
            BTreeMap::from([(other(truth[&e.text]), 0.9)])
        })
        .unwrap();
        assert!(wrong.rules_weight <= 0.1, "{}", wrong.rules_weight);
    }

    #[test]
    fn training_is_reproducible_and_odd_files_are_refused() {
        let examples = noise(60, 5);
        let a = TextModel::train(&examples, 3, |_| BTreeMap::new()).unwrap();
        let b = TextModel::train(&examples, 3, |_| BTreeMap::new()).unwrap();
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, serde_json::to_string(&b).unwrap());
        assert!(TextModel::parse(&json, "t").is_ok());
        for (field, bad) in [
            ("temperature", serde_json::json!(0.0)),
            ("rules_weight", serde_json::json!(1.5)),
            ("bias", serde_json::json!([0.0, 1.0])),
        ] {
            let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
            v[field] = bad;
            let err = TextModel::parse(&v.to_string(), "t")
                .unwrap_err()
                .to_string();
            assert!(err.contains("model file t"), "{field}: {err}");
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
        // Rules that know nothing: the model must carry the decision alone.
        let m = TextModel::train(&examples, 5, |_| BTreeMap::new()).unwrap();
        assert!(m.trained.out_of_fold_accuracy > 0.95, "{:?}", m.trained);
        assert_eq!(m.trained.rules_accuracy, 0.0, "{:?}", m.trained);
        assert!(m.trained.model_accuracy > 0.95, "{:?}", m.trained);
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
        // Where the rules abstain, the combination is the model's own probability; where they
        // are sure of another type, they have their share of the say.
        let mut m = m;
        m.rules_weight = 0.5;
        let text = "hiermit kündige ich meinen Vertrag";
        let alone = m.predict("", text);
        let abstaining = m.combine(&BTreeMap::new(), &alone);
        for t in DocType::ALL {
            assert!((alone[&t] - abstaining[&t]).abs() < 1e-6, "{t}");
        }
        let disagreeing = m.combine(&BTreeMap::from([(DocType::Claim, 0.99)]), &alone);
        assert!(disagreeing[&DocType::Claim] > alone[&DocType::Claim] + 0.4);
        assert!(disagreeing[&DocType::Cancellation] < alone[&DocType::Cancellation] - 0.4);
        std::fs::write(&path, r#"{"version": 0}"#).unwrap();
        assert!(matches!(
            TextModel::load(&path),
            Err(ModelError::Version { found: 0, .. })
        ));
    }
}
