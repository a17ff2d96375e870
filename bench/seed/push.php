<?php
/*
 * The seed's push server, rebuilt as a yardstick for pushline-bench: one PHP process, one stream_select() loop.
 *
 * The pages' WebSocket port and the backend's text port keep the contract of the Workerman push.php that Pushline
 * replaces (docs/protocol.md): a page's first text frame, or ?uid= in its URL, is its uid; a line
 * {"uid":"u1",...}\n on the text port goes to u1's page as a text frame, byte for byte, and is answered ok\n, or
 * fail\n when u1 has no page here. Workerman itself comes from Packagist, which these machines cannot reach, so this
 * file does what Workerman's select() event loop does for push.php (one fwrite per frame and per reply, a whole
 * json_decode per line, the send buffer bounded as Workerman's maxSendBufferSize) and nothing more. It lets the
 * bench measure the seed's design on the same machine, in the same run, as Pushline (bench/targets.sh and
 * docs/benchmarks.md). It is not a server to deploy: no origin check, no heartbeat, no limits beyond the bounds below.
 *
 *   php bench/seed/push.php [--host 127.0.0.1] [--ws-port 1234] [--text-port 5678]
 *
 * select() watches at most FD_SETSIZE (1,024) descriptors, so this process holds at most MAX_CONNECTIONS pages and
 * pushers together and closes the connections past it at once (Workerman's select loop fails there instead).
 */
declare(strict_types=1);

const MAX_CONNECTIONS = 1016;      // 1,024 descriptors less stdin/out/err, the two listeners and a spare
const MAX_LINE = 65536;            // a text line, an HTTP upgrade request or a page's frame, in bytes
const MAX_SEND_BUFFER = 1048576;   // Workerman's default: past it a message to that connection is dropped
const READ_SIZE = 65536;
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const KIND_UPGRADE = 0;            // a WebSocket connection before its 101
const KIND_PAGE = 1;
const KIND_TEXT = 2;

$opts = getopt('', ['host:', 'ws-port:', 'text-port:']);
$host = $opts['host'] ?? '127.0.0.1';
$wsPort = (int) ($opts['ws-port'] ?? 1234);
$textPort = (int) ($opts['text-port'] ?? 5678);

$wsListener = listen($host, $wsPort, 'WebSocket');
$textListener = listen($host, $textPort, 'text');

/** @var array<int, resource> $sockets every accepted connection, by resource id */
$sockets = [];
/** @var array<int, int> $kinds */
$kinds = [];
/** @var array<int, string> $inputs bytes read and not yet a whole line, request or frame */
$inputs = [];
/** @var array<int, string> $pending bytes fwrite() did not take yet; only connections that have some */
$pending = [];
/** @var array<int, string> $uidOf a page's uid */
$uidOf = [];
/** @var array<int|string, int> $pageOf the page of each uid (the newest connection that named it) */
$pageOf = [];
$refused = 0;

fwrite(STDOUT, "seed: pages on ws://$host:$wsPort/, lines on $host:$textPort\n");

while (true) {
    $read = $sockets;
    $read[] = $wsListener;
    $read[] = $textListener;
    $write = [];
    foreach ($pending as $id => $_) {
        $write[] = $sockets[$id];
    }
    $except = null;
    if (@stream_select($read, $write, $except, null) === false) {
        $error = error_get_last();
        fwrite(STDERR, 'seed: stream_select failed with ' . count($sockets) . ' connections: '
            . ($error['message'] ?? 'unknown error') . "\n");
        exit(1);
    }
    foreach ($write as $socket) {
        flushPending((int) $socket);
    }
    foreach ($read as $socket) {
        if ($socket === $wsListener) {
            accept($wsListener, KIND_UPGRADE);
        } elseif ($socket === $textListener) {
            accept($textListener, KIND_TEXT);
        } else {
            readFrom($socket);
        }
    }
}

/** @return resource */
function listen(string $host, int $port, string $what)
{
    // Workerman's default backlog; PHP's own is 32, which would drop a burst of connecting pages.
    $context = stream_context_create(['socket' => ['backlog' => 102400]]);
    $server = @stream_socket_server("tcp://$host:$port", $errno, $errstr,
        STREAM_SERVER_BIND | STREAM_SERVER_LISTEN, $context);
    if ($server === false) {
        fwrite(STDERR, "seed: cannot listen for $what connections on $host:$port: $errstr\n");
        exit(1);
    }
    // As Workerman does: no Nagle delay for small frames and replies (accepted sockets inherit it on Linux).
    $raw = socket_import_stream($server);
    socket_set_option($raw, SOL_TCP, TCP_NODELAY, 1);
    stream_set_blocking($server, false);
    return $server;
}

/** @param resource $listener */
function accept($listener, int $kind): void
{
    global $sockets, $kinds, $inputs, $refused;
    $socket = @stream_socket_accept($listener, 0);
    if ($socket === false) {
        return;
    }
    if (count($sockets) >= MAX_CONNECTIONS) {
        fclose($socket);
        if ($refused++ % 1000 === 0) {
            fwrite(STDERR, 'seed: refused a connection: ' . count($sockets) . ' open, select() watches at most '
                . MAX_CONNECTIONS . " ($refused refused so far)\n");
        }
        return;
    }
    stream_set_blocking($socket, false);
    stream_set_read_buffer($socket, 0);
    $id = (int) $socket;
    $sockets[$id] = $socket;
    $kinds[$id] = $kind;
    $inputs[$id] = '';
}

/** @param resource $socket */
function readFrom($socket): void
{
    global $kinds, $inputs;
    $id = (int) $socket;
    if (!isset($kinds[$id])) {
        return; // closed earlier in this turn
    }
    $bytes = @fread($socket, READ_SIZE);
    if ($bytes === '' || $bytes === false) {
        if ($bytes === false || feof($socket)) {
            close($id);
        }
        return;
    }
    $inputs[$id] .= $bytes;
    switch ($kinds[$id]) {
        case KIND_TEXT:
            readLines($id);
            break;
        case KIND_UPGRADE:
            readUpgrade($id);
            break;
        default:
            readFrames($id);
    }
}

function readLines(int $id): void
{
    global $inputs, $pageOf;
    while (isset($inputs[$id]) && ($end = strpos($inputs[$id], "\n")) !== false) {
        $line = rtrim(substr($inputs[$id], 0, $end), "\r");
        $inputs[$id] = substr($inputs[$id], $end + 1);
        // The seed: json_decode the whole line, look the uid up, send the line as it came.
        $data = json_decode($line, true);
        $uid = is_array($data) ? ($data['uid'] ?? null) : null;
        $delivered = false;
        if ((is_string($uid) || is_int($uid)) && isset($pageOf[$uid])) {
            send($pageOf[$uid], textFrame($line));
            $delivered = true;
        }
        send($id, $delivered ? "ok\n" : "fail\n");
    }
    if (isset($inputs[$id]) && strlen($inputs[$id]) > MAX_LINE) {
        fwrite(STDERR, 'seed: closed a text connection: a line over ' . MAX_LINE . " bytes\n");
        close($id);
    }
}

function readUpgrade(int $id): void
{
    global $inputs, $kinds;
    $end = strpos($inputs[$id], "\r\n\r\n");
    if ($end === false) {
        if (strlen($inputs[$id]) > MAX_LINE) {
            refuseUpgrade($id, '431 Request Header Fields Too Large');
        }
        return;
    }
    $head = substr($inputs[$id], 0, $end);
    $inputs[$id] = substr($inputs[$id], $end + 4);
    if (!preg_match('/^Sec-WebSocket-Key:\s*(\S+)/mi', $head, $key)
        || !preg_match('#^GET (\S+) HTTP/1\.1\r?$#m', $head, $target)) {
        refuseUpgrade($id, '400 Bad Request');
        return;
    }
    $accept = base64_encode(sha1($key[1] . WS_GUID, true));
    send($id, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        . "Connection: Upgrade\r\nSec-WebSocket-Accept: $accept\r\n\r\n");
    $kinds[$id] = KIND_PAGE;
    $query = parse_url($target[1], PHP_URL_QUERY);
    if (is_string($query)) {
        parse_str($query, $params);
        if (isset($params['uid']) && is_string($params['uid']) && $params['uid'] !== '') {
            bind($id, $params['uid']);
        }
    }
    if ($inputs[$id] !== '') {
        readFrames($id);
    }
}

function refuseUpgrade(int $id, string $status): void
{
    send($id, "HTTP/1.1 $status\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    close($id);
}

/** A page's frames: the first text frame names its uid; pings are answered; a close is returned. */
function readFrames(int $id): void
{
    global $inputs, $uidOf;
    while (isset($inputs[$id]) && strlen($inputs[$id]) >= 2) {
        $buffer = $inputs[$id];
        $opcode = ord($buffer[0]) & 0x0f;
        $second = ord($buffer[1]);
        $length = $second & 0x7f;
        $head = 2;
        if ($length === 126) {
            if (strlen($buffer) < 4) {
                return;
            }
            $length = unpack('n', $buffer, 2)[1];
            $head = 4;
        } elseif ($length === 127) {
            if (strlen($buffer) < 10) {
                return;
            }
            $length = unpack('J', $buffer, 2)[1];
            $head = 10;
        }
        $unmasked = ($second & 0x80) === 0;
        if ($unmasked || ($opcode >= 0x8 && $length > 125) || $length > MAX_LINE) {
            // A page masks its frames and keeps control frames to 125 bytes (RFC 6455 5.1, 5.5); a frame this
            // large is not a uid.
            send($id, closeFrame($length > MAX_LINE ? 1009 : 1002));
            close($id);
            return;
        }
        if (strlen($buffer) < $head + 4 + $length) {
            return;
        }
        $mask = substr($buffer, $head, 4);
        $payload = substr($buffer, $head + 4, $length);
        $payload ^= substr(str_repeat($mask, intdiv($length + 3, 4)), 0, $length);
        $inputs[$id] = substr($buffer, $head + 4 + $length);
        switch ($opcode) {
            case 0x1:
                if (!isset($uidOf[$id]) && $payload !== '') {
                    bind($id, $payload);
                }
                break;
            case 0x8:
                send($id, closeFrame($length >= 2 ? unpack('n', $payload)[1] : 1000));
                close($id);
                return;
            case 0x9:
                send($id, chr(0x8a) . chr($length) . $payload);
                break;
            default:
                break; // pongs, binary and continuation frames name nothing
        }
    }
}

function bind(int $id, string $uid): void
{
    global $uidOf, $pageOf;
    $uidOf[$id] = $uid;
    $pageOf[$uid] = $id;
}

function textFrame(string $payload): string
{
    $length = strlen($payload);
    if ($length < 126) {
        return chr(0x81) . chr($length) . $payload;
    }
    if ($length < 65536) {
        return chr(0x81) . chr(126) . pack('n', $length) . $payload;
    }
    return chr(0x81) . chr(127) . pack('J', $length) . $payload;
}

function closeFrame(int $code): string
{
    return chr(0x88) . chr(2) . pack('n', $code);
}

/** Writes now what the socket takes; keeps the rest for select(), up to MAX_SEND_BUFFER. */
function send(int $id, string $bytes): void
{
    global $sockets, $pending;
    if (!isset($sockets[$id])) {
        return;
    }
    if (isset($pending[$id])) {
        if (strlen($pending[$id]) + strlen($bytes) > MAX_SEND_BUFFER) {
            return; // as Workerman: "send buffer full and drop package"
        }
        $pending[$id] .= $bytes;
        return;
    }
    $written = @fwrite($sockets[$id], $bytes);
    if ($written === false) {
        close($id);
        return;
    }
    if ($written < strlen($bytes)) {
        $pending[$id] = substr($bytes, $written);
    }
}

function flushPending(int $id): void
{
    global $sockets, $pending;
    if (!isset($pending[$id], $sockets[$id])) {
        return;
    }
    $written = @fwrite($sockets[$id], $pending[$id]);
    if ($written === false) {
        close($id);
        return;
    }
    if ($written === strlen($pending[$id])) {
        unset($pending[$id]);
    } else {
        $pending[$id] = substr($pending[$id], $written);
    }
}

function close(int $id): void
{
    global $sockets, $kinds, $inputs, $pending, $uidOf, $pageOf;
    if (!isset($sockets[$id])) {
        return;
    }
    if (isset($pending[$id])) {
        @fwrite($sockets[$id], $pending[$id]); // a last try, for a close frame or a refusal
    }
    fclose($sockets[$id]);
    if (isset($uidOf[$id]) && ($pageOf[$uidOf[$id]] ?? null) === $id) {
        unset($pageOf[$uidOf[$id]]); // a newer page of the same uid keeps it
    }
    unset($sockets[$id], $kinds[$id], $inputs[$id], $pending[$id], $uidOf[$id]);
}
