//! Who is at the other end of a request, for per-client rate limits and connection caps: the TCP peer's
//! address or, when the peer is a proxy we trust, the address it says it forwarded for.
//!
//! Behind proxies, `X-Forwarded-For` lists addresses left to right, each proxy appending the one it
//! received from; only the entries our own proxies appended are true, since a client may write anything
//! before them. So the client is the right-most address not in a trusted network (`--trusted-proxies`),
//! and without a trusted peer the header is ignored. Clients are counted by [`ClientKey`]: an IPv4
//! address, or the /64 an IPv6 address belongs to (the block one subscriber is given, in which it can
//! pick any address it likes).

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    str::FromStr,
};

use ipnet::IpNet;

/// The networks whose `X-Forwarded-For` entries are believed: the proxies in front of the server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Trust nothing: the TCP peer is the client.
    pub fn none() -> Self {
        Self::default()
    }

    /// Does a trusted network hold `address`?
    pub fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|network| network.contains(&address))
    }

    /// Whether any proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// Comma-separated networks (`10.0.0.0/8`) or single addresses (`127.0.0.1`, `::1`).
    fn from_str(text: &str) -> Result<Self, String> {
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<IpNet>()
                    .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{part:?} is neither an IP address nor a CIDR network"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }
}

/// The key a client is counted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClientKey {
    /// An IPv4 address (IPv4-mapped IPv6 addresses included).
    V4([u8; 4]),
    /// The first 64 bits of an IPv6 address.
    V6Prefix([u8; 8]),
    /// The address could not be told (no peer address: in-process calls).
    Unknown,
}

impl fmt::Display for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientKey::V4(octets) => write!(f, "{}", std::net::Ipv4Addr::from(*octets)),
            ClientKey::V6Prefix(prefix) => {
                let mut octets = [0u8; 16];
                octets[..8].copy_from_slice(prefix);
                write!(f, "{}/64", std::net::Ipv6Addr::from(octets))
            }
            ClientKey::Unknown => f.write_str("unknown"),
        }
    }
}

/// The client of one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(Option<IpAddr>);

impl ClientAddress {
    /// A client at `address`.
    pub fn new(address: IpAddr) -> Self {
        Self(Some(address.to_canonical()))
    }

    /// A client whose address is not known.
    pub fn unknown() -> Self {
        Self(None)
    }

    /// The client behind a connection from `peer` whose request carried these `X-Forwarded-For` values
    /// (in the order the headers came).
    pub fn resolve<'a>(
        peer: Option<SocketAddr>,
        forwarded_for: impl IntoIterator<Item = &'a str>,
        trusted: &TrustedProxies,
    ) -> Self {
        let Some(peer) = peer.map(|peer| peer.ip().to_canonical()) else {
            return Self::unknown();
        };
        if !trusted.trusts(peer) {
            return Self::new(peer);
        }
        let entries: Vec<&str> = forwarded_for
            .into_iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        // Walk from the nearest hop outwards; the first address no trusted proxy holds is the client.
        let mut client = peer;
        for entry in entries.iter().rev() {
            let Some(address) = parse_forwarded_address(entry) else {
                // A hop we trust wrote something we cannot read: the last address we could is all we know.
                break;
            };
            client = address;
            if !trusted.trusts(address) {
                break;
            }
        }
        Self::new(client)
    }

    /// The address, when known.
    pub fn ip(&self) -> Option<IpAddr> {
        self.0
    }

    /// The key rate limits and caps count this client by.
    pub fn key(&self) -> ClientKey {
        match self.0 {
            Some(IpAddr::V4(address)) => ClientKey::V4(address.octets()),
            Some(IpAddr::V6(address)) => {
                let mut prefix = [0u8; 8];
                prefix.copy_from_slice(&address.octets()[..8]);
                ClientKey::V6Prefix(prefix)
            }
            None => ClientKey::Unknown,
        }
    }
}

/// An `X-Forwarded-For` entry's address: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`.
fn parse_forwarded_address(entry: &str) -> Option<IpAddr> {
    if let Ok(address) = entry.parse::<IpAddr>() {
        return Some(address.to_canonical());
    }
    entry
        .parse::<SocketAddr>()
        .ok()
        .map(|socket| socket.ip().to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(peer: &str, forwarded: &[&str], trusted: &str) -> String {
        let peer: SocketAddr = peer.parse().unwrap();
        ClientAddress::resolve(
            Some(peer),
            forwarded.iter().copied(),
            &trusted.parse().unwrap(),
        )
        .key()
        .to_string()
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        // No trusted proxy: the header is the client's own writing and is ignored.
        assert_eq!(resolve("203.0.113.9:5000", &["1.1.1.1"], ""), "203.0.113.9");
        // A trusted proxy appended the real peer after whatever the client claimed.
        assert_eq!(
            resolve("10.0.0.2:5000", &["6.6.6.6, 198.51.100.7"], "10.0.0.0/8"),
            "198.51.100.7"
        );
        // Two trusted hops, and headers split over two lines.
        assert_eq!(
            resolve(
                "10.0.0.2:5000",
                &["6.6.6.6, 198.51.100.7", "10.1.2.3"],
                "10.0.0.0/8"
            ),
            "198.51.100.7"
        );
        // Every hop trusted: the left-most is as far as we can see.
        assert_eq!(
            resolve("10.0.0.2:1", &["10.9.9.9"], "10.0.0.0/8"),
            "10.9.9.9"
        );
        // A trusted peer without the header is the client.
        assert_eq!(resolve("10.0.0.2:1", &[], "10.0.0.0/8"), "10.0.0.2");
        // Garbage where the trusted hop should have written an address: stop at the last readable one.
        assert_eq!(
            resolve("10.0.0.2:1", &["1.1.1.1, garbage"], "10.0.0.0/8"),
            "10.0.0.2"
        );
        // Ports and brackets, and single addresses as trusted entries.
        assert_eq!(
            resolve("[::1]:1", &["[2001:db8:1:2:3::9]:443"], "::1"),
            "2001:db8:1:2::/64"
        );
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_bit_prefix() {
        let a = ClientAddress::new("2001:db8:aa:bb:1::1".parse().unwrap());
        let b = ClientAddress::new("2001:db8:aa:bb:ffff::2".parse().unwrap());
        let c = ClientAddress::new("2001:db8:aa:bc::1".parse().unwrap());
        assert_eq!(a.key(), b.key());
        assert_ne!(a.key(), c.key());
        let mapped = ClientAddress::new("::ffff:192.0.2.1".parse().unwrap());
        assert_eq!(mapped.key(), ClientKey::V4([192, 0, 2, 1]));
        assert!("10.0.0.0/8, nonsense".parse::<TrustedProxies>().is_err());
    }
}
