//! Documents built to cost a server far more than they weigh, for the hostile-request tests and
//! `bench/hostile.sh`: each is a few kilobytes.

/// `{ ...F0 }` with thirty fragments each spreading the next four times: 4^30 fields once expanded.
pub fn fragment_bomb() -> String {
    let mut document = String::from("{ ...F0 }");
    for level in 0..30 {
        let next = level + 1;
        document.push_str(&format!(
            " fragment F{level} on Query {{ ...F{next} ...F{next} ...F{next} ...F{next} }}"
        ));
    }
    document + " fragment F30 on Query { __typename }"
}

/// Ten aliases of `relatedTerms` per level, six levels down, under a ten-term page.
pub fn related_terms_bomb() -> String {
    let mut document = String::from("{ terms(first: 10) { nodes { ...L1 } } }");
    for level in 1..=6 {
        let below = if level < 6 {
            format!(" ...L{}", level + 1)
        } else {
            String::new()
        };
        let aliases: String = (0..10)
            .map(|k| format!(" r{k}: relatedTerms {{ slug{below} }}"))
            .collect();
        document.push_str(&format!(" fragment L{level} on Term {{{aliases} }}"));
    }
    document
}

/// `count` aliases of a field that fails for anonymous readers.
pub fn failing_aliases(count: usize) -> String {
    let aliases: String = (0..count)
        .map(|k| format!(" a{k}: term(slug: \"x\", preview: true) {{ id }}"))
        .collect();
    format!("{{{aliases} }}")
}

/// `count` aliases of a 100-term page with sections, FAQs and related terms.
pub fn page_aliases(count: usize) -> String {
    let aliases: String = (0..count)
        .map(|k| format!(" p{k}: terms(first: 100) {{ nodes {{ ...Everything }} }}"))
        .collect();
    format!(
        "{{{aliases} }} fragment Everything on Term {{ slug name definition sections {{ heading body }} \
         faqs {{ question answer }} relatedTerms {{ slug name }} categories {{ slug }} }}"
    )
}
