//! The headers that say a message was sent by a machine: RFC 3834 auto-replies
//! (`Auto-Submitted: auto-replied`, `X-Autoreply`, `Precedence: auto_reply`), spam flags set by
//! a filter upstream (`X-Spam-Flag: YES`) and mailing-list or bulk mail (`Precedence: bulk`,
//! `List-Unsubscribe`, `List-Id`). `Auto-Submitted: auto-generated` is not among them: billing
//! systems send invoices that way.

use mail_parser::Message;

use crate::model::AutomatedMail;

/// How a message was sent, from the headers that say so (first match: auto-reply, spam, list).
pub(super) fn automated(message: &Message<'_>) -> Option<AutomatedMail> {
    let raw = |name: &str| {
        message
            .headers_raw()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_ascii_lowercase())
    };
    let said = |name: &str, value: &str| format!("{name}: {value}");
    if let Some(v) = raw("Auto-Submitted").filter(|v| v.starts_with("auto-replied")) {
        return Some(AutomatedMail::AutoReply {
            header: said("Auto-Submitted", &v),
        });
    }
    for name in ["X-Autoreply", "X-Autorespond"] {
        if let Some(v) = raw(name).filter(|v| !v.is_empty() && v != "no") {
            return Some(AutomatedMail::AutoReply {
                header: said(name, &v),
            });
        }
    }
    if let Some(v) = raw("Precedence").filter(|v| v == "auto_reply") {
        return Some(AutomatedMail::AutoReply {
            header: said("Precedence", &v),
        });
    }
    if let Some(v) = raw("X-Spam-Flag").filter(|v| v == "yes") {
        return Some(AutomatedMail::Spam {
            header: said("X-Spam-Flag", &v),
        });
    }
    if let Some(v) = raw("Precedence").filter(|v| v == "bulk" || v == "list" || v == "junk") {
        return Some(AutomatedMail::List {
            header: said("Precedence", &v),
        });
    }
    for name in ["List-Unsubscribe", "List-Id"] {
        if raw(name).is_some_and(|v| !v.is_empty()) {
            return Some(AutomatedMail::List {
                header: name.to_string(),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    fn of(headers: &str) -> Option<AutomatedMail> {
        let raw = format!(
            "From: a@example.de\r\nTo: b@example.de\r\nSubject: x\r\n{headers}\r\nHallo\r\n"
        );
        automated(&MessageParser::default().parse(raw.as_bytes()).unwrap())
    }

    #[test]
    fn machine_mail_is_told_by_its_headers() {
        assert!(matches!(
            of("Auto-Submitted: auto-replied\r\n"),
            Some(AutomatedMail::AutoReply { .. })
        ));
        assert!(matches!(
            of("X-Autoreply: yes\r\n"),
            Some(AutomatedMail::AutoReply { .. })
        ));
        assert!(matches!(
            of("X-Spam-Flag: YES\r\n"),
            Some(AutomatedMail::Spam { .. })
        ));
        assert!(matches!(
            of("Precedence: bulk\r\n"),
            Some(AutomatedMail::List { .. })
        ));
        let list = of("List-Unsubscribe: <mailto:off@news.example>\r\n").unwrap();
        assert_eq!(list.header(), "List-Unsubscribe");
        // An auto-reply that also carries a list header is an auto-reply.
        assert!(matches!(
            of("List-Id: <x.example>\r\nAuto-Submitted: auto-replied (vacation)\r\n"),
            Some(AutomatedMail::AutoReply { .. })
        ));
    }

    #[test]
    fn people_and_billing_systems_are_not_machines_here() {
        assert_eq!(of(""), None);
        assert_eq!(of("Auto-Submitted: no\r\n"), None);
        // Invoices from billing systems come auto-generated: that says nothing about the type.
        assert_eq!(of("Auto-Submitted: auto-generated\r\n"), None);
        assert_eq!(of("X-Spam-Flag: NO\r\nPrecedence: first-class\r\n"), None);
    }
}
