//! `bbb-cli compare`: the same data, network and prior, every method's predictive side by side
//! with the exact GP's, scored by region; `compare.json`, `compare.csv` and `compare.png`.
//! A `--method` run of dropout, ensemble or HMC alone goes through here too.

use bbb_core::baselines::hmc::chains::Mixing;
use bbb_core::baselines::methods::{self, MethodRun};
use bbb_core::baselines::table::{csv_rows, widening, Cost, COMPARE_HEADER};
use bbb_core::config::method::Method;
use bbb_core::data::Dataset;
use bbb_core::gp::view::{gp_view, GpView};
use bbb_core::posterior::regions::{ByRegion, Region, Regions};
use pollster::block_on;
use serde_json::{json, Value};
use std::time::Instant;

use crate::args::RunArgs;
use crate::posterior::{region_json, region_line, span_and_gaps};
use crate::run::device_for;
use crate::say::say;

/// One row of the comparison: a method's run and what it cost.
pub struct Row {
    pub run: MethodRun,
    pub seconds: f64,
}

/// Runs `method` on the settings of `args`.
pub fn row(args: &RunArgs, method: Method, data: &Dataset) -> Result<Row, String> {
    let mut config = args.config.clone();
    config.method = method;
    let start = Instant::now();
    let device = device_for(args.backend)?;
    let run = block_on(methods::run_any(&config, data, device, args.threads))
        .map_err(|e| e.to_string())?;
    Ok(Row {
        run,
        seconds: start.elapsed().as_secs_f64(),
    })
}

fn mixing_json(m: &Mixing) -> Value {
    json!({
        "acceptance": m.acceptance,
        "rhat_max": m.rhat_max,
        "rhat_max_data": m.rhat_max_data,
        "ess_min": m.ess_min,
        "divergences": m.divergences,
        "step_size": m.step_size,
    })
}

/// One entry of the comparison as the files write it: a method's, or the GP's.
struct Entry<'a> {
    name: &'a str,
    regions: &'a ByRegion,
    cost: Cost,
    mixing: Option<&'a Mixing>,
}

/// Every method's entry, then the GP's.
fn entries<'a>(rows: &'a [Row], gp: Option<&'a (GpView, f64)>) -> Vec<Entry<'a>> {
    let mut list: Vec<Entry> = rows
        .iter()
        .map(|r| Entry {
            name: r.run.method.name(),
            regions: &r.run.predictive.regions,
            cost: Cost {
                seconds: r.seconds,
                parameters: r.run.parameters,
                passes: Some(r.run.passes),
            },
            mixing: r.run.mixing.as_ref(),
        })
        .collect();
    list.extend(gp.map(|(g, seconds)| Entry {
        name: "gp",
        regions: &g.regions,
        cost: Cost::gp(*seconds),
        mixing: None,
    }));
    list
}

/// `compare.json`: one entry per method, then the GP.
pub fn compare_json(rows: &[Row], gp: Option<&(GpView, f64)>) -> Value {
    let list = entries(rows, gp)
        .iter()
        .map(|e| {
            let cost = json!({
                "seconds": e.cost.seconds,
                "parameters": e.cost.parameters,
                "gradient_evaluations": e.cost.passes,
            });
            let mut v = json!({ "name": e.name, "regions": region_json(e.regions), "cost": cost });
            if let Some(m) = e.mixing {
                v["hmc"] = mixing_json(m);
            }
            v
        })
        .collect();
    Value::Array(list)
}

/// `compare.csv`: one row per method and region, then the GP's.
pub fn compare_csv(rows: &[Row], gp: Option<&(GpView, f64)>) -> String {
    let mut out = format!("{COMPARE_HEADER}\n");
    for e in entries(rows, gp) {
        out += &csv_rows(e.name, e.regions, &e.cost);
    }
    out
}

/// The table printed: each method's scores per region, its cost, HMC's mixing.
pub fn lines(rows: &[Row], gp: Option<&(GpView, f64)>, regions: &Regions) -> Vec<String> {
    let mut out = vec![format!("Is the band right? {}", span_and_gaps(regions))];
    for r in rows {
        let m = &r.run;
        out.push(format!(
            "{}: {:.1} s, {} parameters, {:.0} gradient evaluations (passes over the training data)",
            m.method.name(), r.seconds, m.parameters, m.passes
        ));
        for region in Region::ALL {
            out.push(region_line(
                m.method.name(),
                region,
                m.predictive.regions[region as usize],
            ));
        }
        if let Some(mix) = &m.mixing {
            out.push(format!("  {}", mix.line()));
        }
    }
    if let Some((g, seconds)) = gp {
        out.push(format!("gp: {seconds:.1} s, 3 hyperparameters"));
        for region in Region::ALL {
            out.push(region_line("gp", region, g.regions[region as usize]));
        }
    }
    let scores: Vec<(&str, &ByRegion)> = entries(rows, gp)
        .iter()
        .map(|e| (e.name, e.regions))
        .collect();
    out.extend(widening(&scores));
    out
}

/// `bbb-cli compare`: runs `methods` on the settings of `args`, prints the table and writes
/// the files.
pub fn compare(args: RunArgs) -> Result<(), String> {
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create output directory {}: {e}", args.out.display()))?;
    let (_, data) = Dataset::prepare(args.config.clone()).map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    for method in args.config.compare.methods() {
        say!("{} …", method.name());
        rows.push(row(&args, method, &data)?);
    }
    let gp = if args.config.compare.gp() {
        let start = Instant::now();
        let gp = gp_view(&data).map_err(|e| e.to_string())?;
        Some((gp, start.elapsed().as_secs_f64()))
    } else {
        None
    };
    for line in lines(&rows, gp.as_ref(), &Regions::of(&data.train.x)) {
        say!("{line}");
    }
    let write = |name: &str, text: String| {
        std::fs::write(args.out.join(name), text).map_err(|e| format!("cannot write {name}: {e}"))
    };
    let json = serde_json::to_string_pretty(&compare_json(&rows, gp.as_ref()))
        .map_err(|e| e.to_string())?;
    write("compare.json", json)?;
    write("compare.csv", compare_csv(&rows, gp.as_ref()))?;
    crate::png::write_compare(&args.out, &data, &rows, gp.as_ref().map(|g| &g.0))?;
    say!("results in {}", args.out.display());
    Ok(())
}

/// A `--method` run of dropout, ensemble or HMC: its table, `summary.json` and
/// `predictive.png`.
pub fn single(args: RunArgs) -> Result<(), String> {
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create output directory {}: {e}", args.out.display()))?;
    let (config, data) = Dataset::prepare(args.config.clone()).map_err(|e| e.to_string())?;
    let r = row(&args, config.method, &data)?;
    let regions = Regions::of(&data.train.x);
    for line in lines(std::slice::from_ref(&r), None, &regions) {
        say!("{line}");
    }
    let p = &r.run.predictive;
    let summary = json!({
        "method": config.method.name(),
        "preset": args.preset.name(),
        "scenario": config.scenario.name(),
        "seed": config.seed,
        "n_parameters": r.run.parameters,
        "seconds_total": r.seconds,
        "gradient_evaluations": r.run.passes,
        "noise_sigma_hat": p.noise_sigma,
        "gaussian_nll": p.calibration.nll,
        "crps": p.calibration.crps,
        "predictive_samples": p.samples,
        "regions": {
            "train_range": [regions.lo, regions.hi],
            "gaps": regions.gaps.iter().map(|&(a, b)| [a, b]).collect::<Vec<_>>(),
            "network": { "method": config.method.name(), "scores": region_json(&p.regions) },
        },
        "hmc": r.run.mixing.as_ref().map(mixing_json),
    });
    let text = serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?;
    std::fs::write(args.out.join("summary.json"), text)
        .map_err(|e| format!("cannot write summary.json: {e}"))?;
    crate::png::write_predictive(&args.out, &data, p)?;
    say!("results in {}", args.out.display());
    Ok(())
}
