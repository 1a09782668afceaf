//! The content pack format (JSON Lines, version 1; `../shared/content-format.md`): its types, and every check
//! that needs only the pack itself. Checks against the database (a slug already taken, a related slug stored
//! earlier) are the import job's, inside its transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
pub use entity::TermStatus;
use serde::{Deserialize, Serialize};

use super::search_text::folded_words;
pub use crate::error::PackProblem;

/// The most related terms one term may list, which is also what `relatedTerms` without `first` costs
/// in the query complexity.
pub const MAX_RELATED_TERMS: usize = 100;

/// The longest slug.
pub const SLUG_MAX: usize = 96;

/// One line of a pack: a term with everything on its page. Field order here is the order `export` writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TermDocument {
    /// Unique URL key.
    pub slug: String,
    /// The term itself.
    pub name: String,
    /// The question-style page heading.
    pub title: String,
    /// One to three sentences.
    pub definition: String,
    /// Category slugs; missing categories are created.
    #[serde(default)]
    pub categories: Vec<String>,
    /// The ordered body.
    #[serde(default)]
    pub sections: Vec<SectionDocument>,
    /// The ordered FAQ list.
    #[serde(default)]
    pub faqs: Vec<FaqDocument>,
    /// Ordered slugs of related terms.
    #[serde(default)]
    pub related: Vec<String>,
    /// Other names of the term ("CI"), linked by automatic cross-links as the name is; each names one
    /// term only, whatever its case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Editorial status; `published` when absent.
    #[serde(default = "published")]
    pub status: TermStatus,
    /// Optional call to action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_to_action: Option<CallToActionDocument>,
    /// Optional SEO overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seo: Option<SeoDocument>,
    /// Publication time; set to the import time for published terms that lack it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<Utc>>,
}

/// A term's status when its line says none.
fn published() -> TermStatus {
    TermStatus::Published
}

/// A body section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionDocument {
    /// Heading, 1–300 characters.
    pub heading: String,
    /// Markdown, at most 100 000 characters.
    pub body: String,
}

/// An FAQ entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqDocument {
    /// Question, 1–500 characters.
    pub question: String,
    /// Markdown answer, at most 20 000 characters.
    pub answer: String,
}

/// The call to action of a term page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallToActionDocument {
    /// Heading, 1–300 characters.
    pub heading: String,
    /// Text, 1–2000 characters.
    pub text: String,
    /// Button label, 1–100 characters.
    pub label: String,
    /// Button target: an `http(s)://` URL or a site path starting with `/`.
    pub url: String,
}

/// SEO overrides of a term page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeoDocument {
    /// `<title>` override, at most 300 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Meta description override, at most 500 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A term document with the line it came from.
#[derive(Clone, Debug)]
pub struct PackLine {
    /// 1-based line number.
    pub line: usize,
    /// The parsed term.
    pub document: TermDocument,
}

/// Is `slug` 1–96 characters of `a-z`, `0-9` and single inner hyphens?
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= SLUG_MAX
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
}

/// Parses and checks a whole pack. Blank lines are skipped. Returns every problem found, not just the first.
pub fn parse(text: &str) -> Result<Vec<PackLine>, Vec<PackProblem>> {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut first_line_of_slug: HashMap<String, usize> = HashMap::new();
    let mut first_line_of_alias: HashMap<String, usize> = HashMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let document = match parse_line(raw) {
            Ok(document) => document,
            Err((field, message)) => {
                problems.push(PackProblem {
                    line,
                    field,
                    message,
                });
                continue;
            }
        };
        let mut report = |field: &str, message: String| {
            problems.push(PackProblem {
                line,
                field: field.to_owned(),
                message,
            })
        };
        check_document(&document, &mut report);
        for (i, alias) in document.aliases.iter().enumerate() {
            let key = alias_key(alias);
            match first_line_of_alias.get(&key) {
                Some(first) if *first != line => report(
                    &format!("aliases[{i}]"),
                    format!("the alias {alias:?} is already on line {first}"),
                ),
                Some(_) => {}
                None => {
                    first_line_of_alias.insert(key, line);
                }
            }
        }
        if let Some(first) = first_line_of_slug.get(&document.slug) {
            report(
                "slug",
                format!("duplicate slug {:?} (first on line {first})", document.slug),
            );
        } else {
            first_line_of_slug.insert(document.slug.clone(), line);
        }
        lines.push(PackLine { line, document });
    }
    alias_name_clashes(&lines, &mut problems);
    if problems.is_empty() {
        Ok(lines)
    } else {
        Err(problems)
    }
}

/// Reports every alias that is the name of another term of the pack (names compared as search folds
/// them, as the database check compares stored names), keeping the problems in line order.
fn alias_name_clashes(lines: &[PackLine], problems: &mut Vec<PackProblem>) {
    let mut line_of_name: HashMap<String, usize> = HashMap::with_capacity(lines.len());
    for line in lines {
        line_of_name
            .entry(folded_words(&line.document.name))
            .or_insert(line.line);
    }
    let before = problems.len();
    for line in lines {
        for (i, alias) in line.document.aliases.iter().enumerate() {
            match line_of_name.get(&folded_words(alias)) {
                Some(named) if *named != line.line => problems.push(PackProblem {
                    line: line.line,
                    field: format!("aliases[{i}]"),
                    message: format!("{alias:?} is the name of the term on line {named}"),
                }),
                _ => {}
            }
        }
    }
    if problems.len() > before {
        problems.sort_by_key(|problem| problem.line);
    }
}

/// Deserialises one line, naming the field at fault on failure.
fn parse_line(raw: &str) -> Result<TermDocument, (String, String)> {
    let value: serde_json::Value = serde_json::from_str(raw)
        .map_err(|error| (String::new(), format!("invalid JSON: {error}")))?;
    if !value.is_object() {
        return Err((String::new(), "expected a JSON object".to_owned()));
    }
    serde_path_to_error::deserialize::<_, TermDocument>(value).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner().to_string();
        // serde names unknown and missing fields in its message; put them into the field path instead.
        for prefix in ["unknown field `", "missing field `"] {
            if let Some(rest) = inner.strip_prefix(prefix) {
                let name = rest.split('`').next().unwrap_or_default();
                // serde_path_to_error already ends the path with an unknown field's name, not a missing one's.
                let field = if path == "." || path == name {
                    name.to_owned()
                } else if path.ends_with(&format!(".{name}")) {
                    path.clone()
                } else {
                    format!("{path}.{name}")
                };
                return (field, prefix.trim_end_matches(" `").to_owned());
            }
        }
        (if path == "." { String::new() } else { path }, inner)
    })
}

/// Checks a length in characters, reporting under `field`.
fn check_length(
    report: &mut impl FnMut(&str, String),
    field: &str,
    value: &str,
    min: usize,
    max: usize,
) {
    let length = value.chars().count();
    if min > 0 && value.trim().is_empty() {
        report(field, "must not be empty".to_owned());
    } else if length < min || length > max {
        report(
            field,
            format!("must be {min}–{max} characters, got {length}"),
        );
    } else if value.contains('\0') {
        report(field, NUL_REFUSED.to_owned());
    }
}

/// Why text with a NUL character is refused: PostgreSQL cannot store it, so no engine takes it.
pub const NUL_REFUSED: &str = "must not contain the NUL character (U+0000)";

/// How many aliases a term may have.
pub const MAX_ALIASES: usize = 20;

/// The key an alias is unique by: trimmed and lower-cased ("CI" and "ci" are one alias).
pub fn alias_key(alias: &str) -> String {
    alias.trim().to_lowercase()
}

/// Aliases: at most [`MAX_ALIASES`], each 1–200 characters, none twice and none the term's own name.
fn check_aliases(document: &TermDocument, report: &mut impl FnMut(&str, String)) {
    if document.aliases.len() > MAX_ALIASES {
        report(
            "aliases",
            format!(
                "a term has at most {MAX_ALIASES} aliases, not {}",
                document.aliases.len()
            ),
        );
        return;
    }
    let own = alias_key(&document.name);
    let mut seen = std::collections::HashSet::new();
    for (i, alias) in document.aliases.iter().enumerate() {
        let field = format!("aliases[{i}]");
        check_length(report, &field, alias, 1, 200);
        let key = alias_key(alias);
        if key.is_empty() {
            continue;
        }
        if key == own {
            report(&field, format!("{alias:?} is the term's own name"));
        } else if !seen.insert(key) {
            report(&field, format!("duplicate alias {alias:?}"));
        }
    }
}

/// Every check on one term that needs nothing but the term.
pub fn check_document(document: &TermDocument, report: &mut impl FnMut(&str, String)) {
    if !is_valid_slug(&document.slug) {
        report(
            "slug",
            format!(
                "{:?} is not a valid slug: use 1–{SLUG_MAX} characters of a-z, 0-9 and single inner hyphens",
                document.slug
            ),
        );
    }
    check_length(report, "name", &document.name, 1, 200);
    check_length(report, "title", &document.title, 1, 300);
    check_length(report, "definition", &document.definition, 1, 2000);
    for (i, slug) in document.categories.iter().enumerate() {
        if !is_valid_slug(slug) {
            report(
                &format!("categories[{i}]"),
                format!("{slug:?} is not a valid category slug"),
            );
        } else if document.categories[..i].contains(slug) {
            report(
                &format!("categories[{i}]"),
                format!("duplicate category {slug:?}"),
            );
        }
    }
    for (i, section) in document.sections.iter().enumerate() {
        check_length(
            report,
            &format!("sections[{i}].heading"),
            &section.heading,
            1,
            300,
        );
        check_length(
            report,
            &format!("sections[{i}].body"),
            &section.body,
            0,
            100_000,
        );
    }
    for (i, faq) in document.faqs.iter().enumerate() {
        check_length(
            report,
            &format!("faqs[{i}].question"),
            &faq.question,
            1,
            500,
        );
        check_length(report, &format!("faqs[{i}].answer"), &faq.answer, 0, 20_000);
    }
    if document.related.len() > MAX_RELATED_TERMS {
        report(
            "related",
            format!(
                "a term lists at most {MAX_RELATED_TERMS} related terms, not {}",
                document.related.len()
            ),
        );
    }
    let mut related_seen = std::collections::HashSet::new();
    for slug in document.related.iter().take(MAX_RELATED_TERMS + 1) {
        if slug == &document.slug {
            report(
                "related",
                format!("a term cannot be related to itself ({slug:?})"),
            );
        } else if !is_valid_slug(slug) {
            report("related", format!("{slug:?} is not a valid slug"));
        } else if !related_seen.insert(slug) {
            report("related", format!("duplicate related slug {slug:?}"));
        }
    }
    check_aliases(document, report);
    if let Some(cta) = &document.call_to_action {
        check_length(report, "callToAction.heading", &cta.heading, 1, 300);
        check_length(report, "callToAction.text", &cta.text, 1, 2000);
        check_length(report, "callToAction.label", &cta.label, 1, 100);
        check_length(report, "callToAction.url", &cta.url, 1, 2000);
        let url = cta.url.as_str();
        if !(url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/')) {
            report(
                "callToAction.url",
                format!("{url:?} must start with https://, http:// or /"),
            );
        }
    }
    if let Some(seo) = &document.seo {
        if let Some(title) = &seo.title {
            check_length(report, "seo.title", title, 1, 300);
        }
        if let Some(description) = &seo.description {
            check_length(report, "seo.description", description, 1, 500);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        r#"{"slug":"api","name":"API","title":"What is an API?","definition":"An interface."}"#;

    #[test]
    fn slugs() {
        for good in ["a", "api", "rest-api", "web-3-0"] {
            assert!(is_valid_slug(good), "{good}");
        }
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "é", &"a".repeat(97)] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
    }

    #[test]
    fn unknown_and_missing_fields_are_named() {
        let problems =
            parse(r#"{"slug":"a","nmae":"A","title":"T","definition":"D"}"#).unwrap_err();
        assert_eq!(problems[0].to_string(), "line 1: nmae: unknown field");
        let problems = parse(r#"{"slug":"a","title":"T","definition":"D"}"#).unwrap_err();
        assert_eq!(problems[0].to_string(), "line 1: name: missing field");
        let text = format!(
            "{GOOD}\n{}",
            r#"{"slug":"b","name":"B","title":"T","definition":"D","sections":[{"heading":1,"body":""}]}"#
        );
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems[0].line, 2);
        assert_eq!(problems[0].field, "sections[0].heading");
    }

    #[test]
    fn pack_level_checks() {
        let text = format!("{GOOD}\n\n{GOOD}\nnot json");
        let problems = parse(&text).unwrap_err();
        assert_eq!(
            problems[0].to_string(),
            "line 3: slug: duplicate slug \"api\" (first on line 1)"
        );
        assert!(problems[1].to_string().starts_with("line 4: invalid JSON"));
    }

    #[test]
    fn an_alias_may_not_be_another_lines_name() {
        let text = [
            r#"{"slug":"a","name":"A","title":"T","definition":"D","aliases":["Api gateway"]}"#,
            r#"{"slug":"b","name":"B","title":"T","definition":"D","aliases":["C"]}"#,
            r#"{"slug":"c","name":"c","title":"T","definition":"D"}"#,
            r#"{"slug":"d","name":"API  Gateway!","title":"T","definition":"D"}"#,
        ]
        .join("\n");
        let problems: Vec<String> = parse(&text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            problems,
            [
                "line 1: aliases[0]: \"Api gateway\" is the name of the term on line 4",
                "line 2: aliases[0]: \"C\" is the name of the term on line 3",
            ]
        );
    }
}
