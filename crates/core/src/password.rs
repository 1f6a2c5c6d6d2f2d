//! Passwords: the 等保 level-3 complexity rule and PBKDF2-HMAC-SM3 hashing.
//!
//! SM3 inside PBKDF2 is what domestic-crypto assessments (密评) expect of a password store.
//! The salt is an input so that this module stays free of randomness and I/O.

use sm3::Sm3;

/// At least this many iterations; stored hashes carry their own count so it can rise later.
pub const ITERATIONS: u32 = 100_000;
pub const MIN_LENGTH: usize = 8;
const SCHEME: &str = "pbkdf2-sm3";

/// Checks length ≥ 8 and at least three of: upper case, lower case, digits, symbols.
pub fn check_policy(password: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Err(format!("密码长度至少 {MIN_LENGTH} 位"));
    }
    if len > 128 {
        return Err("密码长度不能超过 128 位".into());
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|b| **b).count() < 3 {
        return Err("密码须包含大写字母、小写字母、数字、特殊符号中的至少三类".into());
    }
    Ok(())
}

/// The policy for one account's password: the complexity rule, not containing the account's
/// login (in any case), and not one of the passwords people choose first.
pub fn check_for(login: &str, password: &str) -> Result<(), String> {
    check_policy(password)?;
    let login = login.trim().to_lowercase();
    if login.chars().count() >= 3 && password.to_lowercase().contains(&login) {
        return Err("密码不能包含登录名".into());
    }
    if is_common(password) {
        return Err("密码过于常见，容易被猜中，请换一个".into());
    }
    Ok(())
}

/// The words shipped with govit that common passwords are built on.
const COMMON_WORDS: &str = include_str!("password_words.txt");

/// A password that is a common word with digits and symbols around it (`Password123!`,
/// `P@ssw0rd`, `Woaini@520`), or little more than a run of digits (`Aa123456`).
pub fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    let core: String = lower
        .trim_matches(|c: char| !c.is_alphabetic())
        .chars()
        .map(|c| match c {
            '@' | '4' => 'a',
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '$' | '5' => 's',
            c => c,
        })
        .filter(|c| c.is_alphabetic())
        .collect();
    if core.chars().count() <= 2 {
        // Nearly all digits and symbols: common when the digits are a run or a repeat.
        let digits: String = lower.chars().filter(char::is_ascii_digit).collect();
        let runs = ["01234567890", "09876543210", "12345678901234567890"];
        let repeated = digits.chars().all(|c| digits.starts_with(c));
        return repeated || runs.iter().any(|r| r.contains(digits.as_str()));
    }
    COMMON_WORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|w| w == core)
}

fn derive(password: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sm3>(password.as_bytes(), salt, iterations, &mut out);
    out
}

/// `pbkdf2-sm3$<iterations>$<salt hex>$<hash hex>`
pub fn hash(password: &str, salt: &[u8; 16]) -> String {
    let dk = derive(password, salt, ITERATIONS);
    format!("{SCHEME}${ITERATIONS}${}${}", hex::encode(salt), hex::encode(dk))
}

/// Constant-time comparison of a password against a stored hash.
pub fn verify(password: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some(SCHEME), Some(iter), Some(salt), Some(expected), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Ok(iterations), Ok(salt), Ok(expected)) =
        (iter.parse::<u32>(), hex::decode(salt), hex::decode(expected))
    else {
        return false;
    };
    if iterations < ITERATIONS || expected.len() != 32 {
        return false;
    }
    let got = derive(password, &salt, iterations);
    got.iter().zip(expected.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_are_refused() {
        for common in
            ["Password123!", "P@ssw0rd", "Woaini@520", "Aa123456", "Admin@2025", "Qwer1234!"]
        {
            assert!(is_common(common), "{common}");
            assert!(check_for("zhang", common).is_err(), "{common}");
        }
        for fine in ["Tea-Garden-2026", "Xy-58214937", "Test-Pass-2025x9"] {
            assert!(!is_common(fine), "{fine}");
        }
    }

    #[test]
    fn a_password_may_not_contain_the_login() {
        assert!(check_for("zhangwei", "Zhangwei-2026").is_err());
        assert!(check_for("zhangwei", "ZHANGWEI#2026x").is_err());
        assert!(check_for("zhangwei", "Tea-Garden-2026").is_ok());
        // Logins too short to be a guess are not held against the password.
        assert!(check_for("li", "Lin-Ping-2026").is_ok());
    }

    #[test]
    fn policy_needs_length_and_three_classes() {
        assert!(check_policy("Abc12345").is_ok());
        assert!(check_policy("abc12345!").is_ok());
        assert!(check_policy("Abc1234").is_err());
        assert!(check_policy("abcdefgh1").is_err());
        assert!(check_policy("ABCDEFGH!").is_err());
    }

    #[test]
    fn hash_and_verify() {
        let h = hash("Yeji@2025", &[7u8; 16]);
        assert!(h.starts_with("pbkdf2-sm3$100000$"));
        assert!(verify("Yeji@2025", &h));
        assert!(!verify("Yeji@2026", &h));
        assert!(!verify("Yeji@2025", "pbkdf2-sm3$10$00$00"));
        assert!(!verify("Yeji@2025", "garbage"));
        // A different salt gives a different hash.
        assert_ne!(h, hash("Yeji@2025", &[8u8; 16]));
    }
}
