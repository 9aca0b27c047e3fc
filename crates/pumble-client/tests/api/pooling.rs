//! One client keeps one connection pool: sequential calls, from the client
//! and its clones, reuse a kept-alive connection.

use pumble_client::OutgoingMessage;

use crate::canned::{Canned, KeepAliveServer};
use crate::{client_for, fixture, token};

#[test]
fn calls_and_clones_reuse_one_connection() {
    let server = KeepAliveServer::start(Canned::ok(fixture("api_post_message.json")));
    let client = client_for(&server.base_url());
    let token = token();
    for _ in 0..3 {
        client
            .acting_as(&token)
            .get_message("ch_dm_bot_bob", "msg_anon_dm_1")
            .expect("the canned message decodes");
    }
    let clone = client.clone();
    clone
        .acting_as(&token)
        .post_message("ch_dm_bot_bob", &OutgoingMessage::text("hi"))
        .expect("the canned message decodes");
    assert_eq!(server.requests(), 4);
    assert_eq!(server.connections(), 1, "the connection was not reused");
}

#[test]
fn a_client_serves_many_threads() {
    let server = KeepAliveServer::start(Canned::ok(fixture("api_post_message.json")));
    let client = client_for(&server.base_url());
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || {
                let token = token();
                for _ in 0..5 {
                    client
                        .acting_as(&token)
                        .post_message("ch_1", &OutgoingMessage::text("hi"))
                        .expect("the canned message decodes");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker threads do not panic");
    }
    assert_eq!(server.requests(), 20);
    assert!(
        server.connections() <= 4,
        "{} connections",
        server.connections()
    );
}
