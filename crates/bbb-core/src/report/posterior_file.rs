//! The trained posterior as a file: every layer's μ and ρ as named `f32` tensors in the
//! safetensors format, with what is needed to show that posterior again in the file's metadata
//! (the settings that produced it, in the link's form, and the run's history).
//!
//! Why safetensors: it is a plain, documented layout (an 8-byte header length, a JSON header
//! naming each tensor's dtype, shape and byte range, then the raw little-endian bytes) that
//! Python, PyTorch and burn's own store all read, and reading it runs no code from the file,
//! unlike pickle. burn's record formats would tie the file to burn's version and to Rust.
//!
//! Reading checks everything before anything is used: the size, the header, the format tag, the
//! settings (through the same checks as a link), every tensor's name, dtype, shape and values
//! (finite, of a sane size), and the history. Any fault is one sentence for a student.

use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use crate::config::edits::Edits;
use crate::config::settings::SETTINGS;
use crate::config::{Config, Preset};
use crate::model::Architecture;
use crate::report::export::{history_csv, parse_history_csv};
use crate::report::metrics::EpochRecord;

/// The format tag in the metadata (`format`).
pub const FORMAT: &str = "bbb-posterior/1";
/// Largest file read (the full preset's posterior is about 260 KB).
pub const MAX_FILE_BYTES: usize = 16 << 20;
/// Largest |μ| or |ρ| accepted: far beyond anything training produces.
const MAX_ABS_VALUE: f32 = 1e4;

/// What a posterior file holds.
#[derive(Clone, Debug, PartialEq)]
pub struct PosteriorFile {
    /// The preset and every setting, as a link writes them (`("kl-weight", "0.0001")`, …; the
    /// point edits as `add` and `remove` when there are any).
    pub settings: Vec<(String, String)>,
    /// Whether the run trained on a person's own data file (which the file does not contain).
    pub own_data: bool,
    /// Training points the run used.
    pub train_points: usize,
    /// The epoch whose state this is (the best by validation RMSE).
    pub best_epoch: usize,
    /// Every epoch's row.
    pub history: Vec<EpochRecord>,
    /// The tensors, named, in the model's parameter order: shape and values.
    pub tensors: Vec<(String, [usize; 2], Vec<f32>)>,
}

/// The names of the model's parameter tensors, in [`crate::model::Regressor::params`] order,
/// for `depth` residual blocks.
pub fn tensor_names(depth: usize) -> Vec<String> {
    let mut layers = vec!["input".to_string()];
    for b in 0..depth {
        layers.push(format!("blocks.{b}.fc1"));
        layers.push(format!("blocks.{b}.fc2"));
    }
    layers.push("output".into());
    layers
        .iter()
        .flat_map(|l| {
            ["weight_mu", "weight_rho", "bias_mu", "bias_rho"].map(|p| format!("{l}.{p}"))
        })
        .collect()
}

/// The preset and every table setting of `config` in the link's form, with the point edits.
pub fn settings_of(preset: Preset, config: &Config) -> Vec<(String, String)> {
    let mut out = vec![("preset".to_string(), preset.name().to_string())];
    out.extend(
        SETTINGS
            .iter()
            .map(|s| (s.name.to_string(), s.text(config))),
    );
    if !config.edits.is_empty() {
        let (add, remove) = config.edits.encode();
        out.push(("add".into(), add));
        out.push(("remove".into(), remove));
    }
    out
}

/// A configuration from [`settings_of`]'s pairs, checked as a link's would be.
pub fn config_of(settings: &[(String, String)]) -> Result<Config, String> {
    let get = |key: &str| {
        settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let preset = Preset::parse(get("preset").unwrap_or("quick")).map_err(|e| e.message)?;
    let mut config = Config::preset(preset);
    for (key, value) in settings {
        match key.as_str() {
            "preset" | "add" | "remove" => {}
            name => config.set(name, value).map_err(|e| e.to_string())?,
        }
    }
    config.edits = Edits::parse(get("add").unwrap_or(""), get("remove").unwrap_or(""))
        .map_err(|e| e.to_string())?;
    config.validate().map_err(|e| e.to_string())?;
    Ok(config)
}

impl PosteriorFile {
    /// The file's bytes.
    pub fn encode(&self) -> Result<Vec<u8>, String> {
        let link: Vec<String> = self
            .settings
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let metadata = [
            ("format".to_string(), FORMAT.to_string()),
            ("settings".to_string(), link.join("&")),
            (
                "data".to_string(),
                if self.own_data { "own" } else { "scenario" }.into(),
            ),
            ("train_points".to_string(), self.train_points.to_string()),
            ("best_epoch".to_string(), self.best_epoch.to_string()),
            ("history".to_string(), history_csv(&self.history)),
        ];
        let bytes: Vec<Vec<u8>> = self
            .tensors
            .iter()
            .map(|(_, _, v)| v.iter().flat_map(|x| x.to_le_bytes()).collect())
            .collect();
        let views = self
            .tensors
            .iter()
            .zip(&bytes)
            .map(|((name, shape, _), data)| {
                TensorView::new(Dtype::F32, shape.to_vec(), data)
                    .map(|view| (name.clone(), view))
                    .map_err(|e| format!("tensor {name}: {e}"))
            })
            .collect::<Result<Vec<_>, String>>()?;
        safetensors::serialize(views, Some(metadata.into_iter().collect()))
            .map_err(|e| e.to_string())
    }

    /// Reads and checks a file's bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(format!(
                "the file is {} MB; a posterior file is well under {} MB",
                bytes.len() >> 20,
                MAX_FILE_BYTES >> 20
            ));
        }
        let file = SafeTensors::deserialize(bytes).map_err(|e| {
            format!("this is not a readable safetensors file, or it is cut short ({e})")
        })?;
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| e.to_string())?;
        let meta = header.metadata().clone().unwrap_or_default();
        let field = |key: &str| {
            meta.get(key)
                .map(String::as_str)
                .ok_or_else(|| format!("the file's metadata lack \"{key}\""))
        };
        if meta.get("format").map(String::as_str) != Some(FORMAT) {
            return Err(format!(
                "this safetensors file is not a posterior saved by bbb-cli or the page \
                 (its metadata should say format = {FORMAT})"
            ));
        }
        let settings: Vec<(String, String)> = field("settings")?
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), v.to_string())
            })
            .collect();
        let config = config_of(&settings).map_err(|e| format!("the file's settings: {e}"))?;
        let own_data = match field("data")? {
            "own" => true,
            "scenario" => false,
            other => return Err(format!("the file's data kind \"{other}\" is unknown")),
        };
        let number = |key: &str| {
            field(key)?
                .parse::<usize>()
                .map_err(|_| format!("the file's {key} is not a whole number"))
        };
        let (train_points, best_epoch) = (number("train_points")?, number("best_epoch")?);
        let history = parse_history_csv(field("history")?)?;
        let epochs = config.total_epochs();
        if history.len() != epochs || history.iter().enumerate().any(|(i, r)| r.epoch != i + 1) {
            return Err(format!(
                "the file's history should have one row for each of its {epochs} epochs"
            ));
        }
        if !(1..=epochs).contains(&best_epoch) {
            return Err(format!(
                "the file's best epoch {best_epoch} is not one of its epochs"
            ));
        }
        let names = tensor_names(config.depth);
        let shapes = tensor_shapes(&config);
        if let Some(extra) = file
            .names()
            .into_iter()
            .find(|n| !names.iter().any(|m| m == n))
        {
            return Err(format!(
                "the file has a tensor \"{}\" that this network does not have",
                extra.chars().take(40).collect::<String>()
            ));
        }
        let mut tensors = Vec::with_capacity(names.len());
        for (name, shape) in names.into_iter().zip(shapes) {
            let view = file
                .tensor(&name)
                .map_err(|_| format!("the file lacks the tensor \"{name}\""))?;
            if view.dtype() != Dtype::F32 {
                return Err(format!(
                    "tensor {name} is {:?}, not 32-bit floats",
                    view.dtype()
                ));
            }
            if view.shape() != shape {
                return Err(format!(
                    "tensor {name} has shape {:?}; these settings make it {shape:?}",
                    view.shape()
                ));
            }
            let values: Vec<f32> = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            if let Some(bad) = values
                .iter()
                .find(|v| !v.is_finite() || v.abs() > MAX_ABS_VALUE)
            {
                return Err(format!(
                    "tensor {name} holds {bad}, which no trained network has"
                ));
            }
            tensors.push((name, shape, values));
        }
        Ok(Self {
            settings,
            own_data,
            train_points,
            best_epoch,
            history,
            tensors,
        })
    }

    /// The configuration the file's settings give.
    pub fn config(&self) -> Result<Config, String> {
        config_of(&self.settings)
    }
}

/// The shapes of the parameter tensors of a network built with `config`, in
/// [`tensor_names`] order.
pub fn tensor_shapes(config: &Config) -> Vec<[usize; 2]> {
    Architecture::of(config)
        .layer_dims()
        .into_iter()
        .flat_map(|(i, o)| [[i, o], [i, o], [1, o], [1, o]])
        .collect()
}
