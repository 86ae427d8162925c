#[macro_use]
extern crate macro_crate;
extern crate plain_crate;
extern crate renamed_crate as short;

mod local_module;

use std::collections::HashMap;
use use_crate::Item;
use grouped::{one, two::Three};
use ::absolute_crate::thing;
use glob_crate::prelude::*;
use aliased_crate::Type as Other;
use tokio_like::time;
use time::Duration;
use crate::own::Thing;
use self::local_module::X;
use local_module::Y;

// use trap_line_comment::X;
/// Doc comment mentioning trap_doc::function
/* use trap_block::X; */
const RAW: &str = r#"use trap_raw::X;"#;
const TEXT: &str = "trap_string::call()";

#[derive_crate::Derive]
fn main() {
    let map: HashMap<u8, u8> = HashMap::new();
    let v = path_crate::function();
    let t: type_crate::Type = Default::default();
    short::go();
    println!("{}", macro_arg_crate::value());
    Other::new();
    time::sleep();
    local_module::call();
    u8::MAX;
    let x = serde_json_like::json!({"a": 1});
}
