//! Money as exact integers. Amounts are typed and shown in 万元 with at most four decimals
//! (i.e. whole yuan) and stored as yuan in an `i64`; floats never touch them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in whole yuan.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Yuan(pub i64);

/// The largest amount accepted from a form: 1,000 亿元 (10,000,000 万元).
pub const MAX_YUAN: i64 = 100_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("请填写金额")]
    Empty,
    #[error("请填写数字，单位为万元，例如 120.5")]
    NotANumber,
    #[error("金额不能为负数")]
    Negative,
    #[error("万元金额最多保留四位小数（即精确到元）")]
    TooPrecise,
    #[error("金额过大，不能超过 10000000 万元")]
    TooLarge,
}

impl Yuan {
    /// Parses an amount typed in 万元: digits, an optional point and up to four decimals.
    /// Thousands separators (`,` `，`) and surrounding spaces are tolerated.
    pub fn parse_wan(input: &str) -> Result<Yuan, AmountError> {
        // Full-width digits, point and minus, as Chinese input methods type them, read as
        // their ASCII forms.
        let cleaned: String = input
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .map(crate::money::half_width)
            .collect();
        if cleaned.is_empty() {
            return Err(AmountError::Empty);
        }
        if let Some(rest) = cleaned.strip_prefix('-') {
            if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '.') {
                return Err(AmountError::Negative);
            }
            return Err(AmountError::NotANumber);
        }
        let (int_part, frac_part) = match cleaned.split_once('.') {
            Some((i, f)) => (i, f),
            None => (cleaned.as_str(), ""),
        };
        let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if int_part.is_empty() && frac_part.is_empty()
            || !all_digits(int_part)
            || !all_digits(frac_part)
            || (cleaned.contains('.') && frac_part.is_empty() && int_part.is_empty())
        {
            return Err(AmountError::NotANumber);
        }
        if frac_part.len() > 4 {
            return Err(AmountError::TooPrecise);
        }
        let int_digits = int_part.trim_start_matches('0');
        // 10,000,000 万元 has 8 digits; anything longer is certainly too large.
        if int_digits.len() > 8 {
            return Err(AmountError::TooLarge);
        }
        let whole: i64 = if int_digits.is_empty() {
            0
        } else {
            int_digits.parse().map_err(|_| AmountError::NotANumber)?
        };
        let mut frac: i64 = 0;
        for (i, c) in frac_part.chars().enumerate() {
            let digit = i64::from(c as u8 - b'0');
            frac += digit * 10_i64.pow(3 - i as u32);
        }
        let yuan = whole * 10_000 + frac;
        if yuan > MAX_YUAN {
            return Err(AmountError::TooLarge);
        }
        Ok(Yuan(yuan))
    }

    /// The amount in 万元 without trailing zeros: 1234500 yuan → "123.45".
    pub fn to_wan_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / 10_000;
        let frac = abs % 10_000;
        if frac == 0 {
            format!("{sign}{whole}")
        } else {
            let f = format!("{frac:04}");
            format!("{sign}{whole}.{}", f.trim_end_matches('0'))
        }
    }

    pub fn checked_add(self, other: Yuan) -> Option<Yuan> {
        self.0.checked_add(other.0).map(Yuan)
    }
}

impl fmt::Display for Yuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} 万元", self.to_wan_string())
    }
}

/// A full-width digit, point or minus (０-９, ．, －) as its ASCII form; anything else as is.
pub fn half_width(c: char) -> char {
    match c {
        '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
        '．' => '.',
        '－' => '-',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wan_exactly() {
        assert_eq!(Yuan::parse_wan("120"), Ok(Yuan(1_200_000)));
        assert_eq!(Yuan::parse_wan("120.5"), Ok(Yuan(1_205_000)));
        assert_eq!(Yuan::parse_wan("0.0001"), Ok(Yuan(1)));
        assert_eq!(Yuan::parse_wan(" 1,234.5678 "), Ok(Yuan(12_345_678)));
        assert_eq!(Yuan::parse_wan("0"), Ok(Yuan(0)));
        assert_eq!(Yuan::parse_wan(".5"), Ok(Yuan(5000)));
        assert_eq!(Yuan::parse_wan("10000000"), Ok(Yuan(MAX_YUAN)));
    }

    #[test]
    fn rejects_bad_amounts() {
        assert_eq!(Yuan::parse_wan(""), Err(AmountError::Empty));
        assert_eq!(Yuan::parse_wan("abc"), Err(AmountError::NotANumber));
        assert_eq!(Yuan::parse_wan("-5"), Err(AmountError::Negative));
        assert_eq!(Yuan::parse_wan("1e9"), Err(AmountError::NotANumber));
        assert_eq!(Yuan::parse_wan("1.23456"), Err(AmountError::TooPrecise));
        assert_eq!(Yuan::parse_wan("100000000000000000000"), Err(AmountError::TooLarge));
        assert_eq!(Yuan::parse_wan("10000000.0001"), Err(AmountError::TooLarge));
        assert_eq!(Yuan::parse_wan("."), Err(AmountError::NotANumber));
        assert_eq!(Yuan::parse_wan("1.2.3"), Err(AmountError::NotANumber));
        assert_eq!(Yuan::parse_wan("NaN"), Err(AmountError::NotANumber));
        // Full-width digits, as Chinese input methods type them, are digits.
        assert_eq!(Yuan::parse_wan("１２．５"), Ok(Yuan(125_000)));
        assert_eq!(Yuan::parse_wan("１２ａ"), Err(AmountError::NotANumber));
    }

    #[test]
    fn formats_wan() {
        assert_eq!(Yuan(1_234_500).to_wan_string(), "123.45");
        assert_eq!(Yuan(1).to_wan_string(), "0.0001");
        assert_eq!(Yuan(10_000).to_wan_string(), "1");
        assert_eq!(Yuan(0).to_wan_string(), "0");
        for s in ["0.0001", "123.45", "7", "9999999.9999"] {
            assert_eq!(Yuan::parse_wan(s).map(Yuan::to_wan_string).as_deref(), Ok(s));
        }
    }
}
