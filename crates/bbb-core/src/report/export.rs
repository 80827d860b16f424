//! The run's history as CSV text: one row per epoch, the same file from the CLI
//! (`history.csv`) and from the page's download button, and read back from a posterior file.

use crate::report::metrics::{EpochRecord, SplitMetrics, Stage};
use std::fmt::Write as _;

/// The CSV header; the columns of [`history_csv`].
pub const HISTORY_HEADER: &str =
    "epoch,stage,next_lr,train_elbo,train_nll,train_kl,train_rmse,val_elbo,val_nll,val_kl,val_rmse";

/// One CSV row per epoch, numbers in Rust's shortest round-trip form (so a reader gets back
/// exactly the values the run computed).
pub fn history_csv(history: &[EpochRecord]) -> String {
    let mut out = format!("{HISTORY_HEADER}\n");
    for r in history {
        let _ = write!(out, "{},{},{}", r.epoch, r.stage.name(), r.next_lr);
        for split in [&r.train, &r.val] {
            let _ = write!(
                out,
                ",{},{},{},{}",
                split.elbo, split.nll, split.kl, split.rmse
            );
        }
        out.push('\n');
    }
    out
}

/// Reads [`history_csv`]'s text back (a posterior file carries its run's history). Every row
/// must have every column; a fault names the line.
pub fn parse_history_csv(text: &str) -> Result<Vec<EpochRecord>, String> {
    let mut lines = text.lines();
    if lines.next() != Some(HISTORY_HEADER) {
        return Err("the history's header is not the one bbb-cli writes".into());
    }
    lines
        .enumerate()
        .map(|(i, line)| {
            let bad = || format!("line {} of the history is not a row of numbers", i + 2);
            let cells: Vec<&str> = line.split(',').collect();
            if cells.len() != HISTORY_HEADER.split(',').count() {
                return Err(bad());
            }
            let num = |k: usize| cells[k].parse::<f64>().map_err(|_| bad());
            let split = |at: usize| -> Result<SplitMetrics, String> {
                Ok(SplitMetrics {
                    elbo: num(at)?,
                    nll: num(at + 1)?,
                    kl: num(at + 2)?,
                    rmse: num(at + 3)?,
                })
            };
            let stage = match cells[1] {
                "warmup" => Stage::Warmup,
                "vi" => Stage::Vi,
                _ => return Err(bad()),
            };
            Ok(EpochRecord {
                epoch: cells[0].parse().map_err(|_| bad())?,
                stage,
                next_lr: num(2)?,
                train: split(3)?,
                val: split(7)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(epoch: usize, stage: Stage, base: f64) -> EpochRecord {
        let split = |o: f64| SplitMetrics {
            elbo: base + o,
            nll: base + o + 0.1,
            kl: base + o + 0.2,
            rmse: base + o + 0.3,
        };
        EpochRecord {
            epoch,
            stage,
            next_lr: 4e-4 / epoch as f64,
            train: split(0.0),
            val: split(1.0),
        }
    }

    #[test]
    fn every_value_reads_back_exactly_under_its_own_column() {
        let history = [
            record(1, Stage::Warmup, 0.123_456_789_012_345_6),
            record(2, Stage::Vi, 1.0 / 3.0),
        ];
        let text = history_csv(&history);
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert_eq!(rows.len(), history.len());
        for (r, row) in history.iter().zip(&rows) {
            assert_eq!(row.len(), header.len());
            let get = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
            let num = |name: &str| get(name).parse::<f64>().unwrap();
            assert_eq!(get("epoch"), r.epoch.to_string());
            assert_eq!(get("stage"), r.stage.name());
            assert_eq!(num("next_lr"), r.next_lr);
            for (prefix, s) in [("train", &r.train), ("val", &r.val)] {
                assert_eq!(num(&format!("{prefix}_elbo")), s.elbo);
                assert_eq!(num(&format!("{prefix}_nll")), s.nll);
                assert_eq!(num(&format!("{prefix}_kl")), s.kl);
                assert_eq!(num(&format!("{prefix}_rmse")), s.rmse);
            }
        }
        assert_eq!(parse_history_csv(&text).unwrap(), history);
        let cut = &text[..text.trim_end().rfind(',').unwrap()];
        assert!(parse_history_csv(cut).unwrap_err().contains("line 3"));
        assert!(parse_history_csv(&text.replace("vi", "v1")).is_err());
        assert!(parse_history_csv(&text.replace(",0.", ",x.")).is_err());
    }
}
