//! The text of the newsletter's mails. Plain text, short, and honest about why the mail came.

use crate::mail::Email;

/// Fills a link template's `{token}`.
pub fn link(template: &str, token: &str) -> String {
    template.replace("{token}", token)
}

/// The mail that asks an address to confirm its sign-up.
pub fn confirmation(to: &str, confirm_link: &str, valid_hours: u64) -> Email {
    Email {
        to: to.to_owned(),
        subject: "Confirm your newsletter subscription".to_owned(),
        body: format!(
            "Someone, hopefully you, asked to receive our glossary newsletter at this address.\n\n\
             To confirm, open this link within {valid_hours} hours:\n{confirm_link}\n\n\
             If it was not you, ignore this mail: without confirmation nothing more will be sent.\n"
        ),
    }
}

/// The mail sent once an address is confirmed, with its way out.
pub fn welcome(to: &str, unsubscribe_link: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: "You are subscribed to the glossary newsletter".to_owned(),
        body: format!(
            "Thank you for confirming. New and updated glossary terms will come to this address.\n\n\
             To stop them at any time, open this link:\n{unsubscribe_link}\n"
        ),
    }
}
