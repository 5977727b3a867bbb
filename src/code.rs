//! Rule codes: one typed id for every code the engine and the rules emit. A code is a
//! contract (DESIGN.md §6): its text is what JSON, SARIF, baselines and suppression comments
//! carry, so the id prints, parses and serialises as exactly that text.

use std::fmt;
use std::str::FromStr;

macro_rules! codes {
    ($($variant:ident = $text:literal,)*) => {
        /// A rule or engine code. Declared in code order, so ids sort as their texts do.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as users see it (`STV201`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    Stv001 = "STV001", Stv002 = "STV002", Stv003 = "STV003", Stv004 = "STV004",
    Stv005 = "STV005", Stv006 = "STV006", Stv010 = "STV010", Stv011 = "STV011", Stv012 = "STV012",
    Stv013 = "STV013", Stv014 = "STV014", Stv015 = "STV015", Stv016 = "STV016",
    Stv017 = "STV017", Stv018 = "STV018", Stv101 = "STV101", Stv102 = "STV102",
    Stv103 = "STV103", Stv104 = "STV104", Stv105 = "STV105", Stv106 = "STV106",
    Stv107 = "STV107", Stv108 = "STV108", Stv109 = "STV109", Stv201 = "STV201",
    Stv202 = "STV202", Stv203 = "STV203", Stv204 = "STV204", Stv205 = "STV205",
    Stv206 = "STV206", Stv207 = "STV207", Stv208 = "STV208", Stv209 = "STV209",
    Stv210 = "STV210", Stv211 = "STV211", Stv214 = "STV214", Stv215 = "STV215",
    Stv216 = "STV216", Stv217 = "STV217", Stv218 = "STV218", Stv219 = "STV219",
    Stv220 = "STV220", Stv221 = "STV221", Stv222 = "STV222", Stv301 = "STV301",
    Stv302 = "STV302", Stv303 = "STV303", Stv304 = "STV304", Stv305 = "STV305",
    Stv306 = "STV306", Stv307 = "STV307", Stv308 = "STV308", Stv401 = "STV401",
    Stv402 = "STV402", Stv403 = "STV403", Stv404 = "STV404", Stv405 = "STV405",
    Stv406 = "STV406", Stv407 = "STV407", Stv408 = "STV408", Stv501 = "STV501",
    Stv502 = "STV502", Stv503 = "STV503", Stv504 = "STV504", Stv505 = "STV505",
    Stv506 = "STV506", Stv507 = "STV507", Stv508 = "STV508", Stv601 = "STV601",
    Stv602 = "STV602", Stv701 = "STV701", Stv702 = "STV702", Stv703 = "STV703",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// User input (`--severity`, `.stv2lint.yaml`, suppression comments, `stv2lint rule`): the
/// text of a code, in any case, surrounding blanks ignored.
impl FromStr for Code {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Code, UnknownCode> {
        let s = s.trim();
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownCode(s.to_string()))
    }
}

/// A text that names no code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCode(pub String);

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a rule code", self.0)
    }
}

impl std::error::Error for UnknownCode {}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Code, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_round_trip_and_sort_like_the_ids() {
        for c in Code::ALL {
            assert_eq!(c.as_str().parse::<Code>(), Ok(*c));
            assert_eq!(c.as_str().to_ascii_lowercase().parse::<Code>(), Ok(*c));
            assert_eq!(serde_json::to_string(c).unwrap(), format!("\"{c}\""));
        }
        assert!(Code::ALL
            .windows(2)
            .all(|w| w[0].as_str() < w[1].as_str() && w[0] < w[1]));
        assert!("STV999".parse::<Code>().is_err());
        assert!("STV20".parse::<Code>().is_err());
        assert!("".parse::<Code>().is_err());
    }
}
