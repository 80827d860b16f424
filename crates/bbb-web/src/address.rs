//! The keys of the page's address that are not settings: where the run trains, how many
//! evaluation workers it gets, which WebGPU adapters "best available" races, a lost WebGPU
//! device on demand (for testing), and how an embedding course page shows this one. None changes what a run computes. The page takes the
//! keys, their values and the messages from here ([`page_options`], [`check_page_option`]).

use wasm_bindgen::prelude::*;

use crate::js::object;

/// What values a page option takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Values {
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// A whole number from 0 to this.
    UpTo(usize),
    /// Whatever the embedding code accepts (a list of sections, origins, or a bare flag);
    /// `www/js/embed.js` checks it.
    Embedding,
}

/// One key of the address besides the settings.
struct PageOption {
    name: &'static str,
    values: Values,
    /// Carried in the address as the link gave it (the page writes the others itself).
    carried: bool,
    help: &'static str,
}

const OPTIONS: [PageOption; 9] = [
    PageOption {
        name: "trainer",
        values: Values::OneOf(&["worker", "page"]),
        carried: false,
        help: "where the run trains: in a background thread of its own (worker) or on the page",
    },
    PageOption {
        name: "workers",
        values: Values::UpTo(bbb_core::train::evaluators::MAX_EVALUATORS),
        carried: false,
        help: "how many evaluation workers (0: the page evaluates in its own steps)",
    },
    PageOption {
        name: "adapter",
        values: Values::OneOf(&["any"]),
        carried: true,
        help: "any: \"best available\" races even a software WebGPU adapter against the CPU",
    },
    PageOption {
        name: "lose-webgpu",
        values: Values::UpTo(999),
        carried: false,
        help: "a testing aid: after this epoch the page destroys its WebGPU device, as a lost \
               GPU would, and the run goes on on the CPU",
    },
    PageOption {
        name: "view",
        values: Values::Embedding,
        carried: true,
        help: "only these sections",
    },
    PageOption {
        name: "hide",
        values: Values::Embedding,
        carried: true,
        help: "hide these parts",
    },
    PageOption {
        name: "autoplay",
        values: Values::Embedding,
        carried: true,
        help: "start training as soon as the page is ready",
    },
    PageOption {
        name: "compact",
        values: Values::Embedding,
        carried: true,
        help: "one column, smaller type: for a small iframe",
    },
    PageOption {
        name: "origin",
        values: Values::Embedding,
        carried: true,
        help: "the host origins an embedded page talks to",
    },
];

/// Every page option as `{ name, carried, help }`, in a fixed order.
#[wasm_bindgen(js_name = pageOptions)]
pub fn page_options() -> js_sys::Array {
    OPTIONS
        .iter()
        .map(|o| {
            object(&[
                ("name", o.name.into()),
                ("carried", o.carried.into()),
                ("help", o.help.into()),
            ])
        })
        .collect()
}

/// Why the address's `value` for page option `name` cannot be used (`None`: it can, or the
/// embedding code checks it). The message completes "The link's name=value was not used: …".
#[wasm_bindgen(js_name = checkPageOption)]
pub fn check_page_option(name: &str, value: &str) -> Option<String> {
    let Some(option) = OPTIONS.iter().find(|o| o.name == name) else {
        return Some(format!("'{name}' is not a page option"));
    };
    match option.values {
        Values::OneOf(words) if !words.contains(&value) => Some(match words {
            [one] => format!("the one value is \"{one}\""),
            _ => format!("give {}", quoted(words)),
        }),
        Values::UpTo(most) => {
            let whole = value.len() <= 3 && value.bytes().all(|b| b.is_ascii_digit());
            let fits =
                whole && !value.is_empty() && value.parse::<usize>().is_ok_and(|n| n <= most);
            (!fits).then(|| format!("give a whole number from 0 to {most}"))
        }
        _ => None,
    }
}

/// `"a" or "b"`, `"a", "b" or "c"`.
fn quoted(words: &[&str]) -> String {
    let q: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
    match q.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}
