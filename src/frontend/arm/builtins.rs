//! The documented ARM / Bicep function names as data (`function_names.txt` beside this file
//! and the Bicep one), and the small pure functions of those lists that the main library in
//! [`super::functions`] does not carry: dates (`dateTimeToEpoch`, `dateTimeFromEpoch`,
//! `dateTimeAdd` of a literal base), URIs (`parseUri`, `buildUri`, `uriComponent`…), base64 and
//! data URIs, `indexFromEnd`.

use super::functions::unknown_from;
use crate::model::V;
use crate::source::Span;

/// ARM template functions, as documented (see the file's header).
pub const ARM_NAMES: &str = include_str!("function_names.txt");

/// The names of a function list file: one per line, `#` comments and blank lines skipped.
pub fn names(list: &'static str) -> impl Iterator<Item = &'static str> {
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Whether `name` is on `list` (case-insensitively), or of the documented `list*` family.
pub fn on_list(list: &'static str, name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.starts_with("list") || names(list).any(|n| n.eq_ignore_ascii_case(&l))
}

/// Pure functions of the lists beyond the main library; `None` when not one of them.
pub fn call(lname: &str, args: &[V], span: Option<Span>) -> Option<V> {
    if let Some(u) = args.iter().find(|a| a.is_unknown()) {
        if matches!(
            lname,
            "datetimetoepoch"
                | "datetimefromepoch"
                | "datetimeadd"
                | "parseuri"
                | "builduri"
                | "base64"
                | "base64tostring"
                | "base64tojson"
                | "datauri"
                | "datauritostring"
                | "uricomponent"
                | "uricomponenttostring"
                | "indexfromend"
                | "tryindexfromend"
        ) {
            return Some(unknown_from(u, span));
        }
    }
    let s = |i: usize| args.get(i).and_then(|a| a.as_str());
    let bad = |what: &str| V::unknown(format!("{lname}(): {what}"), span);
    Some(match lname {
        "datetimetoepoch" => match s(0).and_then(parse_datetime) {
            Some(t) => V::int(t, span),
            None => bad("not a date-time"),
        },
        "datetimefromepoch" => match args.first().and_then(|a| a.as_i64()) {
            Some(t) => V::str(format_datetime(t), span),
            None => bad("needs an integer"),
        },
        "datetimeadd" => {
            let (Some(base), Some(dur)) = (s(0).and_then(parse_datetime), s(1)) else {
                return Some(bad("needs a date-time and an ISO 8601 duration"));
            };
            match (add_duration(base, dur), s(2)) {
                (Some(t), None) => V::str(format_datetime(t), span),
                (Some(t), Some(f)) => match format_custom(t, f) {
                    Some(x) => V::str(x, span),
                    None => bad("the format string is not evaluated by stv2lint"),
                },
                (None, _) => bad("not an ISO 8601 duration"),
            }
        }
        "parseuri" => match s(0).and_then(parse_uri) {
            Some(v) => v.with_span(span),
            None => bad("not an absolute URI"),
        },
        "builduri" => match args.first().and_then(build_uri) {
            Some(u) => V::str(u, span),
            None => bad("needs an object with scheme and host"),
        },
        "base64" => match s(0) {
            Some(x) => V::str(base64_encode(x.as_bytes()), span),
            None => bad("needs a string"),
        },
        "base64tostring" => match s(0).and_then(base64_decode) {
            Some(x) => V::str(x, span),
            None => bad("not base64 text"),
        },
        "base64tojson" => match s(0)
            .and_then(base64_decode)
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        {
            Some(j) => V::from_json_at(&j, span),
            None => bad("not base64 JSON"),
        },
        "datauri" => match s(0) {
            Some(x) => V::str(
                format!(
                    "data:text/plain;charset=utf8;base64,{}",
                    base64_encode(x.as_bytes())
                ),
                span,
            ),
            None => bad("needs a string"),
        },
        "datauritostring" => match s(0).and_then(|u| u.split_once(',')) {
            Some((head, body)) if head.ends_with(";base64") => match base64_decode(body) {
                Some(x) => V::str(x, span),
                None => bad("not base64 data"),
            },
            Some((_, body)) => match percent_decode(body) {
                Some(x) => V::str(x, span),
                None => bad("bad escapes"),
            },
            None => bad("not a data URI"),
        },
        "uricomponent" => match s(0) {
            Some(x) => V::str(percent_encode(x), span),
            None => bad("needs a string"),
        },
        "uricomponenttostring" => match s(0).and_then(percent_decode) {
            Some(x) => V::str(x, span),
            None => bad("bad escapes"),
        },
        "indexfromend" | "tryindexfromend" => {
            let (Some(items), Some(i)) = (
                args.first().and_then(|a| a.as_array()),
                args.get(1).and_then(|a| a.as_i64()),
            ) else {
                return Some(bad("needs an array and an index"));
            };
            let n = items.len() as i64;
            if i >= 1 && i <= n {
                items[(n - i) as usize].clone()
            } else if lname == "tryindexfromend" {
                V::null(span)
            } else {
                bad("index out of range")
            }
        }
        _ => return None,
    })
}

trait WithSpan {
    fn with_span(self, span: Option<Span>) -> V;
}
impl WithSpan for V {
    fn with_span(mut self, span: Option<Span>) -> V {
        self.span = span;
        self
    }
}

// ---- dates (proleptic Gregorian, UTC seconds) -----------------------------------------------

/// The years a .NET `DateTime` holds, so the only ones ARM can compute with; a date outside them
/// is not evaluated (and the arithmetic below never meets a year large enough to overflow).
const YEARS: std::ops::RangeInclusive<i64> = 1..=9999;

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    days_from_civil(y + (m / 12), m % 12 + 1, 1) - days_from_civil(y, m, 1)
}

/// `2024-01-31T10:20:30Z`, `2024-01-31 10:20:30.5+02:00`, `2024-01-31`: seconds since 1970.
fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let num = |t: &str| -> Option<i64> {
        (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (date, rest) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let mut dp = date.split('-');
    let (y, m, d) = (num(dp.next()?)?, num(dp.next()?)?, num(dp.next()?)?);
    if dp.next().is_some()
        || !YEARS.contains(&y)
        || !(1..=12).contains(&m)
        || d < 1
        || d > days_in_month(y, m)
    {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    if rest.is_empty() {
        return Some(secs);
    }
    let (time, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let time = time.split('.').next()?;
    let mut tp = time.split(':');
    let (h, mi) = (num(tp.next()?)?, num(tp.next()?)?);
    let sec = tp.next().map(num).unwrap_or(Some(0))?;
    if h > 23 || mi > 59 || sec > 60 || tp.next().is_some() {
        return None;
    }
    secs += h * 3600 + mi * 60 + sec;
    match offset {
        "" | "Z" | "z" => {}
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (oh, om) = o[1..].split_once(':').unwrap_or((&o[1..], "0"));
            let (oh, om) = (num(oh)?, num(om)?);
            if oh > 14 || om > 59 {
                return None;
            }
            secs -= sign * (oh * 3600 + om * 60);
        }
    }
    Some(secs)
}

fn parts(t: i64) -> (i64, i64, i64, i64, i64, i64) {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let r = t.rem_euclid(86_400);
    (y, m, d, r / 3600, r / 60 % 60, r % 60)
}

/// The round-trip UTC form ARM prints: `2024-01-31T10:20:30Z`.
fn format_datetime(t: i64) -> String {
    let (y, m, d, h, mi, s) = parts(t);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// A .NET custom format made only of `yyyy MM dd HH mm ss` and literal separators.
fn format_custom(t: i64, f: &str) -> Option<String> {
    let (y, m, d, h, mi, s) = parts(t);
    let mut out = String::new();
    let mut rest = f;
    while !rest.is_empty() {
        let (tok, val) = [
            ("yyyy", format!("{y:04}")),
            ("MM", format!("{m:02}")),
            ("dd", format!("{d:02}")),
            ("HH", format!("{h:02}")),
            ("mm", format!("{mi:02}")),
            ("ss", format!("{s:02}")),
        ]
        .into_iter()
        .find(|(tok, _)| rest.starts_with(tok))
        .unwrap_or(("", String::new()));
        if !tok.is_empty() {
            out.push_str(&val);
            rest = &rest[tok.len()..];
            continue;
        }
        let c = rest.chars().next()?;
        if c.is_ascii_alphabetic() && c != 'T' && c != 'Z' {
            return None;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    Some(out)
}

/// `P1Y2M3DT4H5M6S`, `-P1D`, `PT1H`, `P2W` added to `t`.
fn add_duration(t: i64, dur: &str) -> Option<i64> {
    let (sign, d) = match dur.trim().strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, dur.trim().trim_start_matches('+')),
    };
    let d = d.strip_prefix(['P', 'p'])?;
    let (date, time) = d.split_once(['T', 't']).unwrap_or((d, ""));
    let (mut months, mut secs) = (0i64, 0i64);
    // A duration's numbers are the document's: any of them may be large enough to overflow.
    let add = |acc: &mut i64, unit: i64, v: i64| -> Option<()> {
        *acc = acc.checked_add(unit.checked_mul(v)?)?;
        Some(())
    };
    let mut n = String::new();
    for c in date.chars() {
        if c.is_ascii_digit() {
            n.push(c);
            continue;
        }
        let v: i64 = n.parse().ok()?;
        n.clear();
        match c.to_ascii_uppercase() {
            'Y' => add(&mut months, 12, v)?,
            'M' => add(&mut months, 1, v)?,
            'W' => add(&mut secs, 7 * 86_400, v)?,
            'D' => add(&mut secs, 86_400, v)?,
            _ => return None,
        }
    }
    for c in time.chars() {
        if c.is_ascii_digit() {
            n.push(c);
            continue;
        }
        let v: i64 = n.parse().ok()?;
        n.clear();
        match c.to_ascii_uppercase() {
            'H' => add(&mut secs, 3600, v)?,
            'M' => add(&mut secs, 60, v)?,
            'S' => add(&mut secs, 1, v)?,
            _ => return None,
        }
    }
    if !n.is_empty() {
        return None;
    }
    let (y, m, d, h, mi, s) = parts(t);
    let total = (y * 12 + (m - 1)).checked_add(sign * months)?;
    let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    if !YEARS.contains(&ny) {
        return None;
    }
    let nd = d.min(days_in_month(ny, nm));
    let t =
        (days_from_civil(ny, nm, nd) * 86_400 + h * 3600 + mi * 60 + s).checked_add(sign * secs)?;
    YEARS.contains(&parts(t).0).then_some(t)
}

// ---- URIs ------------------------------------------------------------------------------------

fn default_port(scheme: &str) -> Option<i64> {
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Some(443),
        "http" => Some(80),
        "ftp" => Some(21),
        _ => None,
    }
}

/// `https://host:8080/a/b?x=1` → `{ scheme, host, port, path, query, absoluteUri }`.
fn parse_uri(u: &str) -> Option<V> {
    let (scheme, rest) = u.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let hostport = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            (h, p.parse().ok())
        }
        _ => (hostport, default_port(scheme)),
    };
    if host.is_empty() {
        return None;
    }
    let tail = tail.split('#').next().unwrap_or("");
    let (path, query) = match tail.find('?') {
        Some(i) => (&tail[..i], &tail[i..]),
        None => (tail, ""),
    };
    let path = if path.is_empty() { "/" } else { path };
    let mut o = V::obj(Vec::new(), None);
    o.set("scheme", V::str(scheme, None));
    o.set("host", V::str(host, None));
    o.set(
        "port",
        port.map(|p| V::int(p, None)).unwrap_or(V::null(None)),
    );
    o.set("path", V::str(path, None));
    o.set("query", V::str(query, None));
    o.set(
        "absoluteUri",
        V::str(format!("{scheme}://{authority}{path}{query}"), None),
    );
    Some(o)
}

/// The inverse of [`parse_uri`]: the default port is left out.
fn build_uri(o: &V) -> Option<String> {
    let get = |k: &str| o.get(k).and_then(|v| v.as_str());
    let (scheme, host) = (get("scheme")?, get("host")?);
    let mut u = format!("{scheme}://{host}");
    if let Some(p) = o.get("port").and_then(|p| p.as_i64()) {
        if Some(p) != default_port(scheme) {
            u.push_str(&format!(":{p}"));
        }
    }
    let path = get("path").unwrap_or("");
    if !path.is_empty() && !path.starts_with('/') {
        u.push('/');
    }
    u.push_str(path);
    if let Some(q) = get("query").filter(|q| !q.is_empty()) {
        if !q.starts_with('?') {
            u.push('?');
        }
        u.push_str(q);
    }
    Some(u)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

// ---- base64 ----------------------------------------------------------------------------------

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (ARM `base64`, Terraform `base64encode`).
pub fn base64_encode(b: &[u8]) -> String {
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decode standard base64 into UTF-8 text; `None` for bad input.
pub fn base64_decode(s: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()) {
        let v = B64.iter().position(|x| *x == c)? as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str, args: &[V]) -> V {
        call(&name.to_ascii_lowercase(), args, None).unwrap()
    }
    fn s(x: &str) -> V {
        V::str(x, None)
    }

    #[test]
    fn dates() {
        assert_eq!(
            c("dateTimeToEpoch", &[s("2023-02-28T01:02:03Z")]).as_i64(),
            Some(1677546123)
        );
        assert_eq!(
            c("dateTimeToEpoch", &[s("1970-01-02")]).as_i64(),
            Some(86_400)
        );
        assert_eq!(
            c("dateTimeFromEpoch", &[V::int(1677546123, None)]).as_str(),
            Some("2023-02-28T01:02:03Z")
        );
        assert_eq!(
            c("dateTimeAdd", &[s("2020-01-31T00:00:00Z"), s("P1M")]).as_str(),
            Some("2020-02-29T00:00:00Z")
        );
        assert_eq!(
            c("dateTimeAdd", &[s("2020-03-01T00:00:00Z"), s("-PT1H")]).as_str(),
            Some("2020-02-29T23:00:00Z")
        );
        assert_eq!(
            c(
                "dateTimeAdd",
                &[
                    s("2020-03-01T00:00:00Z"),
                    s("P1Y2DT3H"),
                    s("yyyy-MM-dd HH:mm")
                ]
            )
            .as_str(),
            Some("2021-03-03 03:00")
        );
        assert!(c("dateTimeToEpoch", &[s("2023-02-30")]).is_unknown());
        assert!(c("dateTimeAdd", &[V::unknown("utcNow()", None), s("P1D")]).is_unknown());
    }

    /// Found by the `arm_expr` fuzz target: a duration or a date whose numbers overflow `i64`
    /// (or leave the years .NET holds) is an unknown with a reason, not a panic or a wrapped date.
    #[test]
    fn huge_dates_and_durations_are_unknown() {
        let base = s("0-9-9");
        assert!(c("dateTimeAdd", &[base, s("p8880888880007730")]).is_unknown());
        for dur in [
            "P99999999999999999D",
            "P9223372036854775807Y",
            "PT9223372036854775807H",
        ] {
            let v = c("dateTimeAdd", &[s("2020-01-01T00:00:00Z"), s(dur)]);
            assert!(v.is_unknown(), "{dur}: {v:?}");
            let v = c(
                "dateTimeAdd",
                &[s("2020-01-01T00:00:00Z"), s(&format!("-{dur}"))],
            );
            assert!(v.is_unknown(), "-{dur}: {v:?}");
        }
        assert!(c("dateTimeAdd", &[s("9999-12-31T23:00:00Z"), s("PT1H")]).is_unknown());
        assert_eq!(
            c("dateTimeAdd", &[s("9999-12-31T22:00:00Z"), s("PT1H")]).as_str(),
            Some("9999-12-31T23:00:00Z")
        );
        assert!(c("dateTimeToEpoch", &[s("99999999999999999-01-01")]).is_unknown());
        assert!(c("dateTimeToEpoch", &[s("0000-01-01")]).is_unknown());
        let far = c(
            "dateTimeToEpoch",
            &[s("2020-01-01T00:00:00+99999999999999999:00")],
        );
        assert!(far.is_unknown());
        assert_eq!(
            c("dateTimeToEpoch", &[s("1970-01-01T02:00:00+02:00")]).as_i64(),
            Some(0)
        );
    }

    #[test]
    fn uris_and_encodings() {
        let u = c("parseUri", &[s("https://api.contoso.com:8443/a/b?x=1#f")]);
        assert_eq!(
            u.get("host").and_then(|v| v.as_str()),
            Some("api.contoso.com")
        );
        assert_eq!(u.get("port").and_then(|v| v.as_i64()), Some(8443));
        assert_eq!(u.get("path").and_then(|v| v.as_str()), Some("/a/b"));
        assert_eq!(u.get("query").and_then(|v| v.as_str()), Some("?x=1"));
        assert_eq!(
            c("buildUri", &[u]).as_str(),
            Some("https://api.contoso.com:8443/a/b?x=1")
        );
        let d = c("parseUri", &[s("https://contoso.com")]);
        assert_eq!(d.get("port").and_then(|v| v.as_i64()), Some(443));
        assert_eq!(c("buildUri", &[d]).as_str(), Some("https://contoso.com/"));
        assert_eq!(c("base64", &[s("one, two")]).as_str(), Some("b25lLCB0d28="));
        assert_eq!(
            c("base64ToString", &[s("b25lLCB0d28=")]).as_str(),
            Some("one, two")
        );
        assert_eq!(
            c("base64ToJson", &[s(&base64_encode(br#"{"a":1}"#))])
                .get("a")
                .and_then(|v| v.as_i64()),
            Some(1)
        );
        let du = c("dataUri", &[s("Hello")]);
        assert_eq!(c("dataUriToString", &[du]).as_str(), Some("Hello"));
        assert_eq!(c("uriComponent", &[s("a b/c")]).as_str(), Some("a%20b%2Fc"));
        assert_eq!(
            c("uriComponentToString", &[s("a%20b%2Fc")]).as_str(),
            Some("a b/c")
        );
        let arr = V::arr(vec![s("a"), s("b")], None);
        assert_eq!(
            c("indexFromEnd", &[arr.clone(), V::int(1, None)]).as_str(),
            Some("b")
        );
        assert!(c("tryIndexFromEnd", &[arr, V::int(3, None)]).is_null());
    }
}

/// The function lists are held to the evaluators' dispatch: each list is sorted and unique,
/// and every function name an evaluator dispatches is on its language's list (so a typo or an
/// invented function cannot hide, and a documented one is never reported as unknown).
#[cfg(test)]
mod lists {
    use super::*;
    use crate::frontend::bicep::eval::{is_known_function, BICEP_FUNCTIONS, BICEP_NAMES};
    use crate::frontend::terraform::functions as tf;

    fn check_sorted_unique(list: &'static str, what: &str) {
        let v: Vec<String> = names(list).map(str::to_ascii_lowercase).collect();
        assert!(v.len() > 50, "{what}: the list is missing");
        for w in v.windows(2) {
            assert!(w[0] < w[1], "{what}: '{}' before '{}'", w[0], w[1]);
        }
        for n in names(list) {
            assert!(
                n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{what}: '{n}'"
            );
        }
    }

    /// String literals that start a `match` arm (`"a" | "b" =>`) in `src` between `from` and
    /// `to`: the names a function dispatches on.
    fn arm_names(src: &str, from: &str, to: &str) -> Vec<String> {
        let start = src.find(from).expect("dispatch function present");
        let end = src[start..].find(to).map_or(src.len(), |e| start + e);
        let mut out = Vec::new();
        for line in src[start..end].lines() {
            let t = line.trim_start().trim_start_matches("| ");
            if !t.starts_with('"') {
                continue;
            }
            let pat = t.split("=>").next().unwrap_or("");
            let pat = pat.split(" if ").next().unwrap_or("");
            for part in pat.split('|') {
                let p = part.trim().trim_matches('"');
                if !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    out.push(p.to_string());
                }
            }
        }
        assert!(out.len() >= 3, "no dispatch names found after '{from}'");
        out
    }

    #[test]
    fn lists_are_sorted_and_unique() {
        check_sorted_unique(ARM_NAMES, "ARM");
        check_sorted_unique(BICEP_NAMES, "Bicep");
        check_sorted_unique(tf::NAMES, "Terraform");
    }

    #[test]
    fn every_arm_function_evaluated_is_on_the_arm_list() {
        let lib = [
            include_str!("functions/scope.rs"),
            include_str!("functions/logic.rs"),
            include_str!("functions/strings.rs"),
            include_str!("functions/collections.rs"),
            include_str!("functions/network.rs"),
            include_str!("builtins.rs"),
        ];
        let mut n = 0;
        for src in lib {
            for name in arm_names(src, "fn call(", "\n}\n") {
                // Only names the library really dispatches (a literal may be a property key).
                if super::super::functions::call(&name, &[], None).is_some() {
                    assert!(on_list(ARM_NAMES, &name), "ARM '{name}' is not on the list");
                    n += 1;
                }
            }
        }
        assert!(n > 60, "{n}");
        let template = include_str!("template.rs");
        for name in arm_names(template, "    fn call(&self", "    fn lambda_call") {
            assert!(on_list(ARM_NAMES, &name), "ARM '{name}' is not on the list");
        }
        // Documented and evaluated alike: the ones the issue names.
        for f in [
            "dateTimeToEpoch",
            "dateTimeFromEpoch",
            "dateTimeAdd",
            "parseUri",
            "buildUri",
        ] {
            assert!(on_list(ARM_NAMES, f) && call(&f.to_ascii_lowercase(), &[], None).is_some());
        }
        assert!(!on_list(ARM_NAMES, "frobnicate"));
    }

    #[test]
    fn every_bicep_function_evaluated_is_on_the_bicep_list() {
        let lambdas = crate::frontend::kernel::lambda::NAMES;
        for f in BICEP_FUNCTIONS.iter().chain(lambdas) {
            assert!(is_known_function(f), "Bicep '{f}' is not on the list");
        }
        // The ARM library serves Bicep too: what Bicep documents and the library has, it runs.
        for name in names(BICEP_NAMES) {
            if on_list(ARM_NAMES, name) && super::super::functions::call(name, &[], None).is_some()
            {
                assert!(crate::frontend::bicep::eval::is_evaluated_function(name));
            }
        }
        for f in [
            "parseUri",
            "buildUri",
            "nameof",
            "loadDirectoryFileInfo",
            "toLogicalZone",
        ] {
            assert!(is_known_function(f), "{f}");
        }
        // ARM-only names are not Bicep functions.
        assert!(!is_known_function("createArray") && !is_known_function("frobnicate"));
    }

    #[test]
    fn every_terraform_function_evaluated_is_on_the_terraform_list() {
        let lib = [
            include_str!("../terraform/functions/mod.rs"),
            include_str!("../terraform/functions/numbers.rs"),
            include_str!("../terraform/functions/strings.rs"),
            include_str!("../terraform/functions/collections.rs"),
            include_str!("../terraform/functions/encoding.rs"),
            include_str!("../terraform/functions/network.rs"),
        ];
        let mut n = 0;
        let names = lib
            .iter()
            .flat_map(|src| arm_names(src, "fn call(", "\n}\n"));
        for name in names {
            if tf::call(&name, &[], None).is_some() {
                assert!(
                    tf::is_builtin(&name),
                    "Terraform '{name}' is not on the list"
                );
                n += 1;
            }
        }
        assert!(n > 60, "{n}");
        let eval = include_str!("../terraform/eval/expr.rs");
        for name in arm_names(eval, "    pub(super) fn call(", "\n}\n") {
            assert!(
                tf::is_builtin(&name),
                "Terraform '{name}' is not on the list"
            );
        }
        assert!(tf::is_builtin("core::lower") && !tf::is_builtin("provider::azurerm::x"));
        assert!(tf::call("provider::x::lower", &[V::str("A", None)], None).is_none());
    }
}
