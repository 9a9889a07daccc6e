/**
 * Every bt-tui datagram, as typed values. The byte layout lives in codec.ts; this file is the
 * vocabulary shared by the engines. Names of the tracker messages are kept from the original
 * course design (REGISTER, OWN, NEED, UPDATE, EXIT) with LIST added for the download picker.
 */

/** Tracker session token (BEP 15's connection id idea): 8 random bytes bound to an address. */
export const TOKEN_BYTES = 8;
/** A node's identity: an Ed25519 public key, raw (RFC 8032). The private key never leaves it. */
export const PUBLIC_KEY_BYTES = 32;
/** An Ed25519 signature. */
export const SIGNATURE_BYTES = 64;
/** The tracker's registration challenge: an HMAC-SHA-256 (see tracker/challenge.ts). */
export const CHALLENGE_BYTES = 32;
/** Peer cookie: HMAC of the requester's address and a time slot, proves it can receive. */
export const COOKIE_BYTES = 16;
/** SHA-256 of the canonical metainfo bytes. */
export const INFOHASH_BYTES = 32;

/** A file name is one plain path component of at most 255 UTF-8 bytes (ext4's NAME_MAX). */
export const MAX_NAME_BYTES = 255;
/** Longest host text: an IPv6 address in full is 45 characters. */
export const MAX_HOST_BYTES = 45;
/** Longest human-readable error text carried in an ERROR. */
export const MAX_ERROR_TEXT_BYTES = 200;
/** Owners per file in a NEED reply: K is capped so a reply stays a few KiB. */
export const MAX_OWNERS_PER_MATCH = 16;
/** Files per NEED reply (a name may match several contents). */
export const MAX_NEED_MATCHES = 8;
/**
 * Addresses one WHO asks about. Each costs at least 4 bytes asked (a 1-byte host and a port) and
 * 4 answered, and the question carries a token besides: a reply is never larger than it.
 */
export const MAX_WHO_ADDRESSES = 16;
/** Files per LIST page. */
export const MAX_LIST_PAGE = 32;
/** Node ids a NEED may ask the tracker to leave out (owners the asker already has or banned). */
export const MAX_NEED_EXCLUDE = 32;
/** Piece indices in one HAVE: a batch of newly verified pieces. */
export const MAX_HAVE_PIECES = 256;
/**
 * Files one OWN-MANY announces at most: a node re-announcing thousands of files after a tracker's
 * restart sends a sixteenth of the datagrams, each charged once to its host's request budget.
 */
export const MAX_OWN_MANY_ENTRIES = 16;
/** Owners credited by one UPDATE. */
export const MAX_UPDATE_CREDITS = 16;
/** Largest file we describe: 1 TiB keeps every byte offset an exact JS number. */
export const MAX_FILE_SIZE_BYTES = 2 ** 40;
/** Largest payload of a DATA or METAINFO_DATA datagram (UDP max 65507 minus our headers). */
export const MAX_PAYLOAD_BYTES = 65_000;
/** Most blocks one REQUEST may ask for, so one small datagram cannot ask for megabytes. */
export const MAX_BLOCKS_PER_REQUEST = 64;

/**
 * REGISTER, REGISTER-PROOF and HELLO come from addresses nobody has validated yet, so their
 * datagrams are padded to a fixed size at least as large as any reply to them: the reply never
 * amplifies the request.
 */
export const REGISTER_DATAGRAM_BYTES = 256;
export const HELLO_DATAGRAM_BYTES = 64;

export type TrackerErrorCode =
  | 'reregister' // unknown or stale token: register again
  | 'id-in-use' // the node id is alive at another address with another key
  | 'bad-request' // a well-formed message with values the tracker refuses (e.g. a hostile name)
  | 'full' // a registry or index bound was reached
  | 'conflict' // e.g. OWN of an infohash already known with another name or size
  | 'stale-challenge' // a REGISTER-PROOF whose challenge expired (or is not for this address)
  | 'bad-proof' // a REGISTER-PROOF whose signature does not match its public key
  | 'not-yet'; // an UPDATE naming an owner not back since the tracker restarted: send it later

export type RejectReason =
  | 'not-seeding' // the owner does not seed this infohash
  | 'bad-range' // piece, offset or length outside the file
  | 'busy' // the owner's queue for this peer is full; back off
  | 'bad-cookie' // cookie missing, forged or expired: send HELLO again
  | 'choked' // no upload slot for this peer now; ask again in a while (BitTorrent's choke)
  | 'missing-piece' // a partial owner does not have (verified) this piece
  | 'elsewhere'; // a complete owner gave this piece to another peer moments ago: ask for another

/**
 * What an OWN announces: the whole file, some verified pieces of it (a downloader that also
 * uploads), or that this node stops serving it.
 */
export type OwnState = 'complete' | 'partial' | 'withdrawn';

export type NeedQuery = { kind: 'name'; name: string } | { kind: 'infohash'; infohash: Buffer };

export interface OwnerEntry {
  nodeId: number;
  host: string;
  port: number;
  /** Verified bytes this node has uploaded, as credited through UPDATE. */
  uploadCredit: number;
  /** False for a partial owner: ask it which pieces it has (BITFIELD) before requesting. */
  complete: boolean;
}

export interface NeedMatch {
  infohash: Buffer;
  name: string;
  size: number;
  /** How many owners the tracker knows in all; `owners` holds the best few of them. */
  ownerCount: number;
  owners: OwnerEntry[];
}

export interface ListEntry {
  infohash: Buffer;
  name: string;
  size: number;
  ownerCount: number;
}

export interface Credit {
  nodeId: number;
  bytes: number;
}

// ---- tracker requests (peer -> tracker) ----

/**
 * Join the swarm, step 1: the id and the public key it is to be bound to. Answered by a
 * CHALLENGE (or a refusal); binds nothing. Padded on the wire to REGISTER_DATAGRAM_BYTES.
 */
export interface RegisterMessage {
  type: 'register';
  nodeId: number;
  publicKey: Buffer;
}
/**
 * Join the swarm, step 2: the challenge the tracker sent, signed with the private key of
 * `publicKey` (see protocol/signatures.ts). Only this binds the id. Padded like REGISTER.
 */
export interface RegisterProofMessage {
  type: 'register-proof';
  nodeId: number;
  publicKey: Buffer;
  challenge: Buffer;
  signature: Buffer;
}
/** "Still here" (the original design's periodic REGISTER). */
export interface HeartbeatMessage {
  type: 'heartbeat';
  token: Buffer;
}
/** One file as an OWN announces it. */
export interface OwnEntry {
  infohash: Buffer;
  state: OwnState;
  size: number;
  name: string;
}
export interface OwnMessage extends OwnEntry {
  type: 'own';
  token: Buffer;
}
/** Several OWNs in one datagram (1 to MAX_OWN_MANY_ENTRIES), applied in order. */
export interface OwnManyMessage {
  type: 'own-many';
  token: Buffer;
  entries: OwnEntry[];
}
export interface NeedMessage {
  type: 'need';
  token: Buffer;
  query: NeedQuery;
  maxOwners: number;
  /** Node ids to leave out of the answer: owners already in use, or banned by the asker. */
  exclude: number[];
}
export interface UpdateMessage {
  type: 'update';
  token: Buffer;
  infohash: Buffer;
  /** Random per download, so a retransmitted UPDATE credits once. */
  downloadId: Buffer;
  credits: Credit[];
}
export interface ExitMessage {
  type: 'exit';
  token: Buffer;
}
export interface ListMessage {
  type: 'list';
  token: Buffer;
  cursor: number;
}
/** One UDP endpoint, as peers see each other. */
export interface HostPort {
  host: string;
  port: number;
}
/**
 * Which registered node is at each address: a node names the peers that download from it (their
 * HELLO's id is only a claim; the tracker bound each id to a key and to the address it
 * registered from, and the requester's cookie proves it receives at that address).
 */
export interface WhoMessage {
  type: 'who';
  token: Buffer;
  /** 1 to MAX_WHO_ADDRESSES. */
  addresses: HostPort[];
}

// ---- tracker replies (tracker -> peer) ----

/** The tracker's answer to REGISTER: a challenge bound to the sender's address, id and key. */
export interface ChallengeMessage {
  type: 'challenge';
  nodeId: number;
  challenge: Buffer;
}
export interface RegisteredMessage {
  type: 'registered';
  nodeId: number;
  token: Buffer;
  heartbeatIntervalMs: number;
}
/** One refused entry of an OWN-MANY: its index in the request, and why (as an ERROR says it). */
export interface OwnRefusal {
  index: number;
  code: TrackerErrorCode;
  text: string;
}
/** The answer to OWN-MANY: every entry not named here was taken. */
export interface OwnManyReplyMessage {
  type: 'own-many-reply';
  refused: OwnRefusal[];
}
/** Acknowledges a heartbeat, OWN, UPDATE or EXIT. */
export interface AckMessage {
  type: 'ack';
}
export interface NeedReplyMessage {
  type: 'need-reply';
  /** Files matching the query in all; `matches` holds at most MAX_NEED_MATCHES. */
  totalMatches: number;
  matches: NeedMatch[];
}
export interface ListReplyMessage {
  type: 'list-reply';
  totalFiles: number;
  /** Cursor for the next page; 0 when this is the last. */
  nextCursor: number;
  files: ListEntry[];
}
/** The node id registered at each asked address, in order; 0 where none is (alive). */
export interface WhoReplyMessage {
  type: 'who-reply';
  nodeIds: number[];
}
export interface ErrorMessage {
  type: 'error';
  code: TrackerErrorCode;
  text: string;
}

// ---- peer messages ----

/** Ask an owner for a cookie. Padded on the wire to HELLO_DATAGRAM_BYTES. */
export interface HelloMessage {
  type: 'hello';
  nodeId: number;
}
export interface WelcomeMessage {
  type: 'welcome';
  nodeId: number;
  cookie: Buffer;
}
export interface MetainfoRequestMessage {
  type: 'metainfo-request';
  cookie: Buffer;
  infohash: Buffer;
  offset: number;
}
export interface MetainfoDataMessage {
  type: 'metainfo-data';
  infohash: Buffer;
  totalLength: number;
  offset: number;
  bytes: Buffer;
}
/** A run of `count` blocks of one piece, starting at byte `begin` of the piece. */
export interface RequestMessage {
  type: 'request';
  cookie: Buffer;
  infohash: Buffer;
  piece: number;
  begin: number;
  blockLength: number;
  count: number;
  /** The asker's number for this download (u32), echoed in each DATA instead of the infohash. */
  tag: number;
}
/** Which pieces does the owner have? Answered by BITFIELD; also subscribes to HAVE. */
export interface BitfieldRequestMessage {
  type: 'bitfield-request';
  cookie: Buffer;
  infohash: Buffer;
}
/** The owner's verified pieces, one bit each, most significant bit first (BEP 3 order). */
export interface BitfieldMessage {
  type: 'bitfield';
  infohash: Buffer;
  pieceCount: number;
  bits: Buffer;
}
/** Pieces the sender verified since its last BITFIELD or HAVE to this peer (batched). */
export interface HaveMessage {
  type: 'have';
  infohash: Buffer;
  pieces: number[];
}
/**
 * One block: bytes at `begin` within `piece` of the download its REQUEST tagged. A tag of 4
 * bytes where the infohash took 32: a one-frame block carries 1,447 bytes instead of 1,419.
 */
export interface DataMessage {
  type: 'data';
  tag: number;
  piece: number;
  begin: number;
  bytes: Buffer;
}
export interface RejectMessage {
  type: 'reject';
  infohash: Buffer;
  piece: number;
  begin: number;
  reason: RejectReason;
}

export type TrackerRequest =
  | RegisterMessage
  | RegisterProofMessage
  | HeartbeatMessage
  | OwnMessage
  | OwnManyMessage
  | NeedMessage
  | UpdateMessage
  | ExitMessage
  | ListMessage
  | WhoMessage;

export type TrackerReply =
  | ChallengeMessage
  | RegisteredMessage
  | AckMessage
  | OwnManyReplyMessage
  | NeedReplyMessage
  | ListReplyMessage
  | WhoReplyMessage
  | ErrorMessage;

export type PeerMessage =
  | HelloMessage
  | WelcomeMessage
  | MetainfoRequestMessage
  | MetainfoDataMessage
  | RequestMessage
  | DataMessage
  | RejectMessage
  | BitfieldRequestMessage
  | BitfieldMessage
  | HaveMessage;

export type Message = TrackerRequest | TrackerReply | PeerMessage;
export type MessageType = Message['type'];
