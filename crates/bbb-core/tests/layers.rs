//! The crate's layout, held: every folder of `src/` says in its `mod.rs` what it may use
//! (`//! May use: a, b.`), and no file of it (tests aside) names a folder outside that list; no
//! two modules use each other, directly or round a longer loop; a `mod.rs` only declares and
//! re-exports; and no source file of the repository (the crates' code, the page's scripts, the
//! end-to-end test) is longer than 400 lines before its tests.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A source file as a module path: `engine/cpu/step.rs` → `["engine", "cpu", "step"]`,
/// `engine/mod.rs` → `["engine"]`.
type Module = Vec<String>;

struct Source {
    module: Module,
    /// The file without its `#[cfg(test)] mod tests` and without comments.
    code: String,
    is_mod_rs: bool,
    lines_before_tests: usize,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn sources(dir: &Path, out: &mut Vec<Source>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(src()).unwrap().with_extension("");
        let mut module: Module = rel.iter().map(|p| p.to_string_lossy().into()).collect();
        let is_mod_rs = module.last().is_some_and(|m| m == "mod" || m == "lib");
        if is_mod_rs {
            module.pop();
        }
        let text = fs::read_to_string(&path).unwrap();
        let before_tests = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        let code: String = before_tests
            .lines()
            .map(|l| l.split("//").next().unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        out.push(Source {
            module,
            code,
            is_mod_rs,
            lines_before_tests: before_tests.lines().count(),
        });
    }
}

/// The paths a file names through `crate::`, with `crate::{a, b::c}` groups expanded (one level
/// of nesting is enough for this crate's imports).
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let (prefix, tail) = split_path(rest);
        if let Some(group) = tail.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let (inner, _) = split_path(item.trim());
                let mut p = prefix.clone();
                p.extend(inner);
                if !p.is_empty() {
                    paths.push(p);
                }
            }
        } else if !prefix.is_empty() {
            paths.push(prefix);
        }
    }
    paths
}

/// `a::b::c…` at the start of `text`, and what follows it.
fn split_path(text: &str) -> (Vec<String>, &str) {
    let mut segments = Vec::new();
    let mut rest = text;
    loop {
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            return (segments, rest);
        }
        segments.push(rest[..end].to_string());
        rest = &rest[end..];
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => return (segments, rest),
        }
    }
}

/// The module a path lands in: the deepest file it walks through, or the module a `pub use`
/// of that file's `mod.rs` re-exports the next name from.
fn resolve(path: &[String], modules: &BTreeSet<Module>, reexports: &ReExports) -> Module {
    let mut at: Module = Vec::new();
    for segment in path {
        let mut next = at.clone();
        next.push(segment.clone());
        if modules.contains(&next) {
            at = next;
        } else if let Some(from) = reexports.get(&(at.clone(), segment.clone())) {
            return from.clone();
        } else {
            break;
        }
    }
    at
}

/// `(module, name)` → the module that `pub use child::…::name` in that module's file names.
type ReExports = BTreeMap<(Module, String), Module>;

fn reexports(sources: &[Source]) -> ReExports {
    let mut map = ReExports::new();
    for s in sources.iter().filter(|s| s.is_mod_rs) {
        for line in s
            .code
            .lines()
            .filter(|l| l.trim_start().starts_with("pub use "))
        {
            let spec = line
                .trim_start()
                .trim_start_matches("pub use ")
                .trim_end_matches(';');
            let (path, tail) = split_path(spec);
            if path.first().is_some_and(|p| p == "crate" || p == "burn") {
                continue;
            }
            let mut names: Vec<String> = Vec::new();
            let mut from = s.module.clone();
            if let Some(group) = tail.strip_prefix("::{").or_else(|| tail.strip_prefix('{')) {
                from.extend(path.iter().cloned());
                names.extend(
                    group
                        .trim_end_matches('}')
                        .split(',')
                        .map(|n| n.trim().into()),
                );
            } else {
                from.extend(path[..path.len() - 1].iter().cloned());
                names.push(path.last().unwrap().clone());
            }
            for name in names.into_iter().filter(|n| !n.is_empty()) {
                map.insert((s.module.clone(), name), from.clone());
            }
        }
    }
    map
}

/// Each folder's allowed folders, from its `mod.rs`.
fn allowed(sources: &[Source]) -> BTreeMap<String, BTreeSet<String>> {
    let folders: BTreeSet<String> = sources
        .iter()
        .filter(|s| s.module.len() == 1 && s.is_mod_rs)
        .map(|s| s.module[0].clone())
        .collect();
    let mut map = BTreeMap::new();
    for folder in &folders {
        let text = fs::read_to_string(src().join(folder).join("mod.rs")).unwrap();
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("//! May use: "))
            .unwrap_or_else(|| panic!("{folder}/mod.rs does not say what it may use"));
        let line = line.trim_end_matches('.');
        let names: BTreeSet<String> = if line == "nothing else in the crate" {
            BTreeSet::new()
        } else {
            line.split(", ").map(String::from).collect()
        };
        for n in &names {
            assert!(
                folders.contains(n),
                "{folder}/mod.rs names '{n}', not a folder"
            );
        }
        map.insert(folder.clone(), names);
    }
    map
}

fn all_sources() -> Vec<Source> {
    let mut v = Vec::new();
    sources(&src(), &mut v);
    v
}

/// Edges between modules of the crate (tests aside), from what each file names.
fn edges(sources: &[Source]) -> BTreeMap<Module, BTreeSet<Module>> {
    let modules: BTreeSet<Module> = sources.iter().map(|s| s.module.clone()).collect();
    let reexports = reexports(sources);
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for s in sources {
        let targets = edges.entry(s.module.clone()).or_default();
        for path in crate_paths(&s.code) {
            let target = resolve(&path, &modules, &reexports);
            if target != s.module && !target.is_empty() {
                targets.insert(target);
            }
        }
    }
    edges
}

#[test]
fn each_folder_uses_only_what_its_mod_rs_allows() {
    let sources = all_sources();
    let allowed = allowed(&sources);
    let mut faults = Vec::new();
    for (from, targets) in edges(&sources) {
        let Some(folder) = from.first() else { continue };
        for to in targets {
            let other = &to[0];
            if other != folder && !allowed[folder].contains(other) {
                faults.push(format!("{} uses {}", from.join("::"), to.join("::")));
            }
        }
    }
    assert!(
        faults.is_empty(),
        "uses outside the layers:\n{}",
        faults.join("\n")
    );
    // The layers form a chain with no loop: each folder may use only folders that do not use
    // it back, directly or through others.
    for (folder, uses) in &allowed {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = uses.iter().collect();
        while let Some(f) = stack.pop() {
            assert_ne!(f, folder, "{folder} may use itself through {uses:?}");
            if seen.insert(f.clone()) {
                stack.extend(allowed[f].iter());
            }
        }
    }
}

#[test]
fn no_modules_use_each_other() {
    let edges = edges(&all_sources());
    // Depth-first search for a back edge, reporting the loop it closes.
    fn visit(
        m: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<Module, bool>,
        path: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        match state.get(m) {
            Some(true) => return None,
            Some(false) => {
                let start = path.iter().position(|p| p == m).unwrap();
                return Some(path[start..].to_vec());
            }
            None => {}
        }
        state.insert(m.clone(), false);
        path.push(m.clone());
        for next in edges.get(m).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, state, path) {
                return Some(cycle);
            }
        }
        path.pop();
        state.insert(m.clone(), true);
        None
    }
    let mut state = BTreeMap::new();
    for m in edges.keys() {
        if let Some(cycle) = visit(m, &edges, &mut state, &mut Vec::new()) {
            let names: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
            panic!("modules that use each other: {}", names.join(" → "));
        }
    }
}

#[test]
fn mod_rs_files_only_declare_and_re_export() {
    for s in all_sources()
        .iter()
        .filter(|s| s.is_mod_rs && !s.module.is_empty())
    {
        for line in s.code.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let declares = ["mod ", "pub mod ", "pub(crate) mod ", "pub use "]
                .iter()
                .any(|p| line.starts_with(p));
            assert!(declares, "{}/mod.rs: '{line}'", s.module.join("/"));
        }
    }
}

#[test]
fn no_file_is_longer_than_400_lines_before_its_tests() {
    let long: Vec<String> = all_sources()
        .iter()
        .filter(|s| s.lines_before_tests > 400)
        .map(|s| format!("{} ({} lines)", s.module.join("/"), s.lines_before_tests))
        .collect();
    assert!(long.is_empty(), "files with more than one idea: {long:?}");
}

/// Every crate's code and every script of the page and of the end-to-end test, beside this
/// crate's own files: one idea per file (Rust files counted up to their `#[cfg(test)]` module;
/// test crates, whole files of tests, are left out).
#[test]
fn no_source_file_of_the_repository_is_longer_than_400_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    fn walk(dir: &Path, ext: &[&str], out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, ext, out);
            } else if path
                .extension()
                .is_some_and(|e| ext.iter().any(|x| e == *x))
            {
                out.push(path);
            }
        }
    }
    for krate in fs::read_dir(root.join("crates")).unwrap() {
        walk(&krate.unwrap().path().join("src"), &["rs"], &mut files);
    }
    walk(&root.join("www"), &["js"], &mut files);
    walk(&root.join("tests/e2e"), &["mjs"], &mut files);
    assert!(files.len() > 40, "only {} files found", files.len());
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let text = fs::read_to_string(f).unwrap();
            let lines = text.split("#[cfg(test)]").next().unwrap().lines().count();
            (lines > 400).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "files with more than one idea: {long:?}");
}

/// The check finds what it is meant to find: a loop, a path through a re-export, a group.
#[test]
fn the_checks_own_parsing() {
    let paths = crate_paths("use crate::{a::B, c};\nlet x = crate::d::e::f(1);");
    assert_eq!(
        paths,
        vec![vec!["a", "B"], vec!["c"], vec!["d", "e", "f"]]
            .into_iter()
            .map(|p| p.into_iter().map(String::from).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    );
    let sources = all_sources();
    let modules: BTreeSet<Module> = sources.iter().map(|s| s.module.clone()).collect();
    let re = reexports(&sources);
    let seg = |p: &str| p.split("::").map(String::from).collect::<Vec<_>>();
    assert_eq!(
        resolve(&seg("engine::Passes"), &modules, &re),
        seg("engine::passes")
    );
    assert_eq!(
        resolve(&seg("config::Config"), &modules, &re),
        seg("config::hyperparameters")
    );
    assert_eq!(
        resolve(&seg("maths::rng::Rng"), &modules, &re),
        seg("maths::rng")
    );
}
