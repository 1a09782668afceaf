//! Email addresses as the newsletter accepts them: trimmed, lower-cased, and checked against a conservative
//! form of RFC 5321/5322 (a dot-atom local part, a domain of at least two DNS labels). Every refusal says what
//! is wrong, so a sign-up form can show it as it is.

use crate::error::{Error, Result};

/// The longest address SMTP carries.
const MAX_LENGTH: usize = 254;
/// The longest local part.
const MAX_LOCAL: usize = 64;
/// The longest DNS label.
const MAX_LABEL: usize = 63;

/// A normalised, checked address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Normalises and checks `input`; `field` names the argument in the error.
    pub fn parse(input: &str, field: &str) -> Result<Self> {
        let refuse = |why: &str| Error::bad_input(field, format!("{field}: {why}"));
        let address = input.trim().to_lowercase();
        if address.is_empty() {
            return Err(refuse("an email address is required"));
        }
        if address.chars().count() > MAX_LENGTH {
            return Err(refuse(&format!(
                "an address has at most {MAX_LENGTH} characters"
            )));
        }
        let Some((local, domain)) = address.rsplit_once('@') else {
            return Err(refuse(
                "an address needs an @ between the name and the domain",
            ));
        };
        if local.is_empty() || local.len() > MAX_LOCAL {
            return Err(refuse(&format!(
                "the part before @ has 1–{MAX_LOCAL} characters"
            )));
        }
        let local_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
        if local
            .split('.')
            .any(|atom| atom.is_empty() || !atom.chars().all(local_char))
        {
            return Err(refuse(
                "the part before @ may hold letters, digits, dots (not first, last or doubled) and !#$%&'*+/=?^_`{|}~-",
            ));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(refuse("the domain needs a dot, as in example.com"));
        }
        let label_ok = |label: &&str| {
            !label.is_empty()
                && label.len() <= MAX_LABEL
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if !labels.iter().all(label_ok) {
            return Err(refuse(
                "the domain's parts hold letters, digits and inner hyphens (write an international domain in its xn-- form)",
            ));
        }
        if labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(refuse("the domain must be a name, not an IP address"));
        }
        Ok(Self(address))
    }

    /// The address as stored and mailed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        let address = EmailAddress::parse("  Ada.Lovelace+News@Example.COM ", "email").unwrap();
        assert_eq!(address.as_str(), "ada.lovelace+news@example.com");
    }

    #[test]
    fn bad_addresses_say_what_is_wrong() {
        for (input, expected) in [
            ("", "required"),
            ("ada.example.com", "needs an @"),
            ("@example.com", "before @"),
            ("ada..l@example.com", "before @"),
            ("ada@localhost", "needs a dot"),
            ("ada@exa_mple.com", "domain's parts"),
            ("ada@-example.com", "domain's parts"),
            ("ada@127.0.0.1", "not an IP"),
            ("a b@example.com", "before @"),
        ] {
            let error = EmailAddress::parse(input, "email").unwrap_err().describe();
            assert!(error.contains(expected), "{input:?}: {error}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(EmailAddress::parse(&long, "email").is_err());
    }
}
