//! Encoding, type conversion and path functions.

use super::*;

pub(super) fn call(name: &str, args: &[V], span: Option<Span>) -> R {
    let v = match name {
        // Encoding
        "jsonencode" => one(args).and_then(|a| {
            if let Some(u) = a.find_unknown() {
                return Ok(V::unknown(u.reason.clone(), span));
            }
            serde_json::to_string(&a.to_json())
                .map(|s| V::str(s, span))
                .map_err(|e| e.to_string())
        }),
        "jsondecode" => match str_arg(args, 0) {
            Some(s) => serde_json::from_str::<serde_json::Value>(s)
                .map(|j| V::from_json_at(&j, span))
                .map_err(|e| format!("jsondecode(): {e}")),
            None => Err("jsondecode() needs a string".into()),
        },
        "yamldecode" => match str_arg(args, 0) {
            Some(s) => crate::frontend::kernel::yaml::check_nesting(s)
                .map_err(|(line, why)| format!("yamldecode(): line {line}: {why}"))
                .and_then(|()| {
                    serde_yaml::from_str::<serde_json::Value>(s)
                        .map(|j| V::from_json_at(&j, span))
                        .map_err(|e| format!("yamldecode(): {e}"))
                }),
            None => Err("yamldecode() needs a string".into()),
        },
        "base64encode" => str1(args, span, |x| base64_encode(x.as_bytes())),
        "base64decode" => match str_arg(args, 0).map(base64_decode) {
            Some(Some(s)) => Ok(V::str(s, span)),
            _ => Err("base64decode(): invalid input".into()),
        },

        // Paths
        "basename" => str1(args, span, |s| {
            s.rsplit(['/', '\\']).next().unwrap_or("").to_string()
        }),
        "dirname" => str1(args, span, |s| match s.rfind(['/', '\\']) {
            Some(i) => s[..i].to_string(),
            None => ".".to_string(),
        }),
        "abspath" | "pathexpand" => {
            return Some(Ok(V::unknown(format!("{name}() is not evaluated"), span)))
        }
        _ => return None,
    };
    Some(v)
}
