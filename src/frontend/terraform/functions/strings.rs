//! String functions; text is joined by the kernel (`kernel::text`).

use super::*;

pub(super) fn call(name: &str, args: &[V], span: Option<Span>) -> R {
    let v = match name {
        // Strings
        "split" => match (str_arg(args, 0), str_arg(args, 1)) {
            (Some(sep), Some(s)) => Ok(V::arr(
                if sep.is_empty() {
                    s.chars().map(|c| V::str(c.to_string(), span)).collect()
                } else {
                    s.split(sep).map(|p| V::str(p, span)).collect()
                },
                span,
            )),
            _ => Err("split() needs a separator and a string".into()),
        },
        "replace" => match (str_arg(args, 0), str_arg(args, 1), str_arg(args, 2)) {
            (Some(s), Some(sub), Some(rep))
                if sub.len() > 1 && sub.starts_with('/') && sub.ends_with('/') =>
            {
                Ok(replace_regex(s, &sub[1..sub.len() - 1], rep, span))
            }
            (Some(s), Some(sub), Some(rep)) if !sub.is_empty() => {
                // Charged before allocating: a short match replaced by a long text multiplies.
                let grow = rep.len().saturating_sub(sub.len());
                let n = if grow > 0 { s.matches(sub).count() } else { 0 };
                if !budget::bytes(s.len().saturating_add(n.saturating_mul(grow))) {
                    return Some(Ok(budget::unknown(span)));
                }
                Ok(V::str(s.replace(sub, rep), span))
            }
            (Some(s), Some(_), Some(_)) => Ok(V::str(s, span)),
            _ => Err("replace() needs three strings".into()),
        },
        "substr" => match (
            str_arg(args, 0),
            args.get(1).and_then(|v| v.as_i64()),
            args.get(2).and_then(|v| v.as_i64()),
        ) {
            (Some(s), Some(off), Some(len)) => {
                let chars: Vec<char> = s.chars().collect();
                let n = chars.len() as i64;
                let start = if off < 0 {
                    (n + off).max(0)
                } else {
                    off.min(n)
                };
                let end = if len < 0 {
                    n
                } else {
                    (start.saturating_add(len)).min(n)
                };
                Ok(V::str(
                    chars[start as usize..end.max(start) as usize]
                        .iter()
                        .collect::<String>(),
                    span,
                ))
            }
            _ => Err("substr() needs a string, an offset and a length".into()),
        },
        "title" => str1(args, span, |s| {
            let mut out = String::new();
            let mut start = true;
            for c in s.chars() {
                if start && c.is_alphabetic() {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                start = !c.is_alphanumeric();
            }
            out
        }),
        "trimspace" => str1(args, span, |s| s.trim().to_string()),
        "chomp" => str1(args, span, |s| s.trim_end_matches(['\n', '\r']).to_string()),
        "strrev" => str1(args, span, |s| s.chars().rev().collect()),
        "trim" => match (str_arg(args, 0), str_arg(args, 1)) {
            (Some(s), Some(cut)) => Ok(V::str(s.trim_matches(|c| cut.contains(c)), span)),
            _ => Err("trim() needs two strings".into()),
        },
        "trimprefix" => match (str_arg(args, 0), str_arg(args, 1)) {
            (Some(s), Some(p)) => Ok(V::str(s.strip_prefix(p).unwrap_or(s), span)),
            _ => Err("trimprefix() needs two strings".into()),
        },
        "trimsuffix" => match (str_arg(args, 0), str_arg(args, 1)) {
            (Some(s), Some(p)) => Ok(V::str(s.strip_suffix(p).unwrap_or(s), span)),
            _ => Err("trimsuffix() needs two strings".into()),
        },
        "startswith" | "endswith" | "strcontains" => match (str_arg(args, 0), str_arg(args, 1)) {
            (Some(s), Some(p)) => Ok(V::bool(
                match name {
                    "startswith" => s.starts_with(p),
                    "endswith" => s.ends_with(p),
                    _ => s.contains(p),
                },
                span,
            )),
            _ => Err(format!("{name}() needs two strings")),
        },
        "indent" => match (args.first().and_then(|v| v.as_i64()), str_arg(args, 1)) {
            (Some(n), Some(s)) => {
                let n = n.clamp(0, 1024) as usize;
                if !budget::bytes(s.len().saturating_add(s.matches('\n').count() * n)) {
                    return Some(Ok(budget::unknown(span)));
                }
                let pad = " ".repeat(n);
                Ok(V::str(s.replace('\n', &format!("\n{pad}")), span))
            }
            _ => Err("indent() needs a number and a string".into()),
        },
        "formatlist" => formatlist(args, span),
        _ => return None,
    };
    Some(v)
}

pub(super) fn str1(
    args: &[V],
    span: Option<Span>,
    f: impl Fn(&str) -> String,
) -> Result<V, String> {
    match args {
        [a] => match &a.kind {
            VKind::Str(s) => Ok(V::str(f(s), span)),
            VKind::Int(i) => Ok(V::str(f(&i.to_string()), span)),
            _ => Err(format!("expected a string, found {}", a.show())),
        },
        _ => Err("expected one string".into()),
    }
}

pub(super) fn tostring(a: &V, span: Option<Span>) -> V {
    match &a.kind {
        VKind::Str(_) => a.clone(),
        VKind::Unknown(u) if u.sym.is_some() => a.clone(),
        VKind::Int(i) => V::str(i.to_string(), span).with_origin(a),
        VKind::Float(f) => V::str(fmt_float(*f), span).with_origin(a),
        VKind::Bool(b) => V::str(b.to_string(), span).with_origin(a),
        VKind::Null => V::null(span),
        VKind::Unknown(_) => unknown_like(a, span),
        _ => V::unknown(format!("tostring() of {}", a.show()), span),
    }
}

pub(super) fn case(a: &V, upper: bool, span: Option<Span>) -> V {
    let f = |s: &str| {
        if upper {
            s.to_uppercase()
        } else {
            s.to_lowercase()
        }
    };
    match &a.kind {
        VKind::Str(s) => V::str(f(s), span).with_origin(a),
        VKind::Unknown(u) if let Some(s) = &u.sym => V::symbolic(u.reason.clone(), f(s), span),
        VKind::Unknown(_) => unknown_like(a, span),
        _ => V::unknown(format!("lower()/upper() of {}", a.show()), span),
    }
}

/// Concatenate pieces; stable unknowns make a stable result, other unknowns an unknown one.
pub(super) fn join_parts(parts: &[&V], sep: &str, span: Option<Span>) -> Result<V, String> {
    match text::join(parts, sep, Style::Hcl, false, span) {
        Joined::Text(v) => Ok(v),
        // After an unknown part the result is unknown anyway.
        Joined::Other(i) => match parts[..i].iter().find(|p| p.is_unknown()) {
            Some(u) => Ok(unknown_like(u, span)),
            None => Err(format!(
                "{} cannot be joined into a string",
                parts[i].show()
            )),
        },
    }
}

pub(super) fn join(args: &[V], span: Option<Span>) -> Result<V, String> {
    let Some(sep) = args.first() else {
        return Err("join() needs a separator".into());
    };
    if sep.is_unknown() {
        return Ok(unknown_like(sep, span));
    }
    let sep = sep
        .as_str()
        .ok_or("join(): the separator must be a string")?;
    let mut parts: Vec<&V> = Vec::new();
    for l in &args[1..] {
        match &l.kind {
            VKind::Arr(items) => parts.extend(items.iter()),
            VKind::Unknown(_) => return Ok(unknown_like(l, span)),
            _ => return Err("join() needs lists".into()),
        }
    }
    join_parts(&parts, sep, span)
}

/// `format`: `%s %d %v %q %t %f %x %%`, widths and `%[n]` argument indexes.
pub(super) fn format_fn(args: &[V], span: Option<Span>) -> Result<V, String> {
    let Some(spec) = args.first() else {
        return Err("format() needs a format string".into());
    };
    if spec.is_unknown() {
        return Ok(unknown_like(spec, span));
    }
    let spec = spec
        .as_str()
        .ok_or("format(): the format must be a string")?;
    format_with(spec, &args[1..], span)
}

pub(super) fn format_with(spec: &str, args: &[V], span: Option<Span>) -> Result<V, String> {
    let mut pieces: Vec<V> = Vec::new();
    let mut lit = String::new();
    let mut next = 0usize;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            lit.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            lit.push('%');
            continue;
        }
        // flags, width, precision, explicit index
        let mut flags = String::new();
        while let Some(&f) = chars.peek() {
            if "+- #0".contains(f) {
                flags.push(f);
                chars.next();
            } else {
                break;
            }
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            let mut n = String::new();
            for d in chars.by_ref() {
                if d == ']' {
                    break;
                }
                n.push(d);
            }
            next = n
                .parse::<usize>()
                .map_err(|_| "format(): bad argument index")?
                .saturating_sub(1);
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() {
                width.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let mut prec: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek() {
                if d.is_ascii_digit() {
                    p.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            prec = Some(p.parse::<usize>().unwrap_or(0).min(64));
        }
        let verb = chars.next().ok_or("format(): incomplete verb")?;
        let arg = args.get(next).ok_or("format(): not enough arguments")?;
        next += 1;
        if !lit.is_empty() {
            pieces.push(V::str(std::mem::take(&mut lit), None));
        }
        if arg.is_unknown() {
            match (&arg.kind, verb) {
                (VKind::Unknown(u), 's' | 'v') if u.sym.is_some() => pieces.push(arg.clone()),
                // An unknown `%s` keeps the text around it (`format("%s/32", ip)`).
                (VKind::Unknown(_), 's' | 'v') if width.is_empty() => pieces.push(arg.clone()),
                _ => return Ok(unknown_like(arg, span)),
            }
            continue;
        }
        let text = match verb {
            's' | 'v' => match &arg.kind {
                VKind::Str(s) => String::from(&**s),
                VKind::Int(i) => i.to_string(),
                VKind::Float(f) => fmt_float(*f),
                VKind::Bool(b) => b.to_string(),
                _ if verb == 'v' => serde_json::to_string(&arg.to_json()).unwrap_or_default(),
                _ => return Err(format!("format(): %s of {}", arg.show())),
            },
            'q' => serde_json::to_string(&arg.to_json()).unwrap_or_default(),
            't' => arg
                .as_bool()
                .ok_or("format(): %t needs a bool")?
                .to_string(),
            'd' => match num_of(arg) {
                Some(Num::I(i)) => i.to_string(),
                Some(Num::F(f)) if f.fract() == 0.0 => (f as i64).to_string(),
                _ => return Err("format(): %d needs an integer".into()),
            },
            'f' | 'e' | 'g' => {
                let f = num_of(arg).map(to_f).ok_or("format(): %f needs a number")?;
                format!("{:.*}", prec.unwrap_or(6), f)
            }
            'x' | 'X' | 'o' | 'b' => {
                let i = arg.as_i64().ok_or("format(): needs an integer")?;
                match verb {
                    'x' => format!("{i:x}"),
                    'X' => format!("{i:X}"),
                    'o' => format!("{i:o}"),
                    _ => format!("{i:b}"),
                }
            }
            _ => return Err(format!("format(): unsupported verb %{verb}")),
        };
        let w: usize = width.parse().unwrap_or(0).min(1024);
        let text = if text.chars().count() < w {
            let pad = w - text.chars().count();
            if flags.contains('-') {
                format!("{text}{}", " ".repeat(pad))
            } else if flags.contains('0') {
                format!("{}{text}", "0".repeat(pad))
            } else {
                format!("{}{text}", " ".repeat(pad))
            }
        } else {
            text
        };
        pieces.push(V::str(text, None));
    }
    if !lit.is_empty() {
        pieces.push(V::str(lit, None));
    }
    let refs: Vec<&V> = pieces.iter().collect();
    join_parts(&refs, "", span)
}

pub(super) fn formatlist(args: &[V], span: Option<Span>) -> Result<V, String> {
    let spec = args
        .first()
        .and_then(|s| s.as_str())
        .ok_or("formatlist() needs a format string")?;
    let rest = &args[1..];
    let n = rest
        .iter()
        .filter_map(|a| a.as_array().map(|x| x.len()))
        .max()
        .unwrap_or(1);
    let mut out = Vec::new();
    for i in 0..n.min(MAX_LEN) {
        let row: Vec<V> = rest
            .iter()
            .map(|a| match a.as_array() {
                Some(items) => items.get(i).cloned().unwrap_or(V::null(span)),
                None => a.clone(),
            })
            .collect();
        out.push(format_with(spec, &row, span)?);
    }
    Ok(V::arr(out, span))
}

/// `replace(s, "/re/", rep)`: every match of the RE2 pattern `re` replaced, `$1` and `${name}`
/// in `rep` standing for groups (Go's `ReplaceAllString`, which Terraform calls). A pattern the
/// regex crate does not take (or one too large to compile) gives an unknown that says so.
fn replace_regex(s: &str, re: &str, rep: &str, span: Option<Span>) -> V {
    thread_local! {
        /// The last pattern compiled: a `replace` in a `for` over thousands of items compiles
        /// its pattern once, not once per item.
        static LAST: std::cell::RefCell<Option<(String, regex::Regex)>> =
            const { std::cell::RefCell::new(None) };
    }
    let cached = LAST.with_borrow(|l| l.as_ref().filter(|(p, _)| p == re).map(|(_, r)| r.clone()));
    let compiled = match cached {
        Some(r) => Ok(r),
        None => regex::RegexBuilder::new(re)
            .size_limit(1 << 20)
            .dfa_size_limit(1 << 20)
            .build()
            .inspect(|r| LAST.set(Some((re.to_string(), r.clone())))),
    };
    let re = match compiled {
        Ok(re) => re,
        Err(e) => {
            let why = e.to_string();
            let first = why.lines().last().unwrap_or("").trim();
            return V::unknown(
                format!("replace() with a regular expression stv2lint cannot read: {first}"),
                span,
            );
        }
    };
    // Charged before allocating: each match may grow by the replacement's length.
    let n = re.find_iter(s).count();
    if !budget::bytes(s.len().saturating_add(n.saturating_mul(rep.len()))) {
        return budget::unknown(span);
    }
    V::str(re.replace_all(s, rep).as_ref(), span)
}
