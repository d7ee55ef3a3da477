"""`/ocpp/<identity>`: one consumer per charger socket, for every OCPP version.

A thin async shell. Admission (identity, credentials) is decided before the upgrade;
the protocol is chosen by subprotocol; each frame's database work runs in a worker thread
(ocpp_gateway.exchange) and its answer is sent after that work commits, but for an accepted
station's Heartbeat, which acknowledges nothing stored and is answered on the event loop
(ocpp_gateway.heartbeat). CSMS→charger
commands come from the outbox one at a time, woken through the channel layer and, in case
a wake-up is lost, by the process's outbox poller (ocpp_gateway.outbox_poller)."""

import asyncio
import logging
import time

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from ocpp_gateway import (
    exchange,
    frames,
    handshake,
    heartbeat,
    log_context,
    malformed,
    message_log,
    metrics,
    outbox,
    protocols,
)
from ocpp_gateway.concurrency import LoopSemaphore
from ocpp_gateway.connecting import REFUSAL, connecting_limit
from ocpp_gateway.drain import CLOSE_SERVICE_RESTART, process_drain
from ocpp_gateway.layer_health import layer_health
from ocpp_gateway.message_log_writer import message_log_writer
from ocpp_gateway.outbox import OutgoingCall
from ocpp_gateway.outbox_poller import OutboxPoller
from ocpp_gateway.seen_writer import seen_writer
from stations.models import RegistrationStatus
from stations.services import status as station_status
from stations.services.commands import command_group

logger = logging.getLogger(__name__)

db = database_sync_to_async
# PostgreSQL: database work runs on the executor's thread pool, so that thousands of
# sockets do not queue behind one another on one thread. SQLite: on the one
# "thread-sensitive" thread instead. SQLite has a single writer, and threads that queue
# for its lock sleep in its busy handler (up to 100 ms a try): at 10,000 sockets boots
# waited past the chargers' 30 s timeout while the process sat at 13 % CPU.
DB_WORK_ON_ONE_THREAD = connection.vendor == "sqlite"
SEEN_WRITE_INTERVAL_SECONDS = 60
CLOSE_REPLACED = 4000
CLOSE_NO_SUBPROTOCOL = 1002


def in_thread(func):
    return db(func, thread_sensitive=DB_WORK_ON_ONE_THREAD)


outbox_poller = OutboxPoller(in_thread(outbox.stations_with_deliverable_commands))
layer_slots = LoopSemaphore(lambda: settings.OCPP_LAYER_CONCURRENCY)


class OcppConsumer(AsyncWebsocketConsumer):
    # Defaults for a socket that closes before connect() got far.
    protocol = None
    identity = ""
    station_id: int | None = None
    connected_at = None
    in_flight: OutgoingCall | None = None
    timeout_handle: asyncio.TimerHandle | None = None
    boot_wait_handle: asyncio.TimerHandle | None = None
    background: set[asyncio.Task] = frozenset()
    closing = False
    answering = 0
    counted_connected = False
    # Whether a command may wait in the outbox: decided when the connection is recorded,
    # and set by every wake-up since (the socket joins its group before that), so that the
    # outbox is only claimed from after the boot when something may be there.
    command_waiting = False
    disconnected = False
    # Whether this connection still counts against OCPP_MAX_CONNECTING (ocpp_gateway/connecting.py).
    connecting = False
    connecting_handle: asyncio.TimerHandle | None = None

    async def __call__(self, scope, receive, send) -> None:
        """Channels' AsyncConsumer.__call__, but a failing channel layer does not end the
        consumer. Channels ends a consumer whose layer receive raises, without calling
        disconnect(): a Redis outage then closed every charger's socket, left its station
        "online" and its consumer in the outbox poller, claiming commands for a dead socket."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.base_send = send
        try:
            await await_many_dispatch([receive, self._layer_receive], self.dispatch)
        except StopConsumer:
            pass
        finally:
            if not self.disconnected:
                # A handler raised (or the server cancelled us): clean up as on a close.
                await asyncio.shield(self.disconnect(1011))

    async def dispatch(self, message: dict) -> None:
        """Channels' dispatch without its `aclose_old_connections()` before every handler.
        That runs on a thread hop of its own, to the one thread-sensitive thread shared by
        every socket of the process, and tidies that thread's connections, which the
        gateway never uses: its database work runs through `in_thread`, which closes stale
        connections before and after each call in the thread that does the work. It cost a
        second hop per frame, ~5 % of the server's CPU in S4's re-boot storm."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message: dict) -> None:
        """Channels' websocket_disconnect without its connection tidy-up hop (see dispatch);
        this consumer joins no `groups` for Channels to leave (it leaves its own)."""
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def _layer_receive(self) -> dict:
        """The next channel-layer message; while the layer is down, wait for it to return
        (the outbox poll delivers meanwhile), then rejoin the station's group, which a
        restarted Redis has forgotten."""
        while True:
            try:
                return await self.channel_layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                layer_health.mark_down(self.channel_layer, error)
            await layer_health.wait_until_up()
            if self.station_id is not None and not self.closing:
                await self._join_group()

    async def _join_group(self) -> bool:
        """Join the station's group and announce this socket; False if the layer failed."""
        group = command_group(self.station_id)
        try:
            async with layer_slots.get():
                await self.channel_layer.group_add(group, self.channel_name)
                # Every other socket of this station, in any process, learns of this one; the older closes.
                await self.channel_layer.group_send(
                    group,
                    {"type": "ocpp.announce", "channel": self.channel_name, "since": self.connected_at.timestamp()},
                )
        except Exception as error:
            layer_health.mark_down(self.channel_layer, error)
            return False
        return True

    # --- connection -------------------------------------------------------------------
    async def connect(self) -> None:
        self.in_flight: OutgoingCall | None = None
        self.timeout_handle: asyncio.TimerHandle | None = None
        self.boot_wait_handle: asyncio.TimerHandle | None = None
        # Queued commands wait until this connection's BootNotification is answered (see _open_outbox).
        self.outbox_open = False
        self.background: set[asyncio.Task] = set()
        self.malformed = malformed.MalformedFrames(
            window_seconds=settings.OCPP_MALFORMED_WINDOW_SECONDS, close_after=settings.OCPP_MALFORMED_CLOSE_AFTER
        )
        self.pump_lock = asyncio.Lock()
        self.closing = False
        self.seen_written_at = None
        # When this connection began: between two sockets of one station, the newer wins.
        self.connected_at = timezone.now()
        identity = self.scope["url_route"]["kwargs"]["identity"]
        # Every log line of this socket's task (and its threads) names the station.
        log_context.station_identity.set(identity)
        if not connecting_limit.take():
            # Filled up since connecting_gate let this one through.
            connecting_limit.note_refused()
            await self._refuse(503, REFUSAL)
            return
        self.connecting = True
        self.connecting_handle = asyncio.get_running_loop().call_later(settings.OCPP_CALL_TIMEOUT, self._connected)
        admission = await in_thread(handshake.station_admit)(
            identity=identity,
            credentials=handshake.basic_credentials(self.scope.get("headers", [])),
            certificate=handshake.client_certificate(self.scope),
            over_tls=self.scope.get("scheme") == "wss",
        )
        if admission.refusal is not None:
            self._connected()
            logger.info("refused %s: %s %s", identity, admission.refusal, admission.reason)
            await self._refuse(admission.refusal, admission.reason)
            return
        selected = protocols.select(self.scope.get("subprotocols") or [])
        if selected is None:
            # As OCPP prescribes: complete the handshake without a subprotocol, then close.
            logger.info("refused %s: no OCPP subprotocol we speak in %s", identity, self.scope.get("subprotocols"))
            await self.accept()
            await self.close(code=CLOSE_NO_SUBPROTOCOL)
            return
        protocol, offered_name = selected
        self.protocol = protocol
        self.identity = identity
        self.registration_status = admission.registration_status
        await self.accept(subprotocol=offered_name)
        if not DB_WORK_ON_ONE_THREAD:
            # SQLite has one writer: a second writing thread would only queue for its lock.
            # Without these writers a Heartbeat keeps the worker-thread path (ocpp_gateway/heartbeat.py):
            # embedded mode's writes share one thread anyway, so a batch would save it little.
            message_log_writer.start()
            seen_writer.start(record=station_status.station_heartbeats_record)
        self.station_id = admission.station_id
        process_drain.add(self)
        self.counted_connected = True
        metrics.CONNECTED_CHARGERS.inc()
        self.seen_written_at = self.connected_at
        if layer_health.is_up:
            # If the layer is down, the layer receive rejoins once it is back.
            await self._join_group()
        opened = await in_thread(exchange.connection_open)(
            protocol=protocol, station_id=self.station_id, at=self.connected_at
        )
        # A wake-up (or the poller) that came meanwhile has already set it; never unset it.
        self.command_waiting = self.command_waiting or opened.command_waiting
        if self.closing:
            return
        outbox_poller.add(self.station_id, self)
        self.boot_wait_handle = asyncio.get_running_loop().call_later(
            settings.OCPP_BOOT_WAIT_SECONDS, lambda: self._spawn(self._open_outbox())
        )

    async def _refuse(self, status: int, reason: str) -> None:
        await handshake.http_refusal(self.scope, self.base_send, status, reason)

    def _connected(self) -> None:
        """This connection no longer counts as connecting (see ocpp_gateway/connecting.py)."""
        if self.connecting:
            self.connecting = False
            self.connecting_handle.cancel()
            connecting_limit.give_back()

    async def disconnect(self, code: int) -> None:
        self.disconnected = True
        self.closing = True
        self._connected()
        for handle in (self.timeout_handle, self.boot_wait_handle):
            if handle is not None:
                handle.cancel()
        for task in list(self.background):
            task.cancel()
        if self.station_id is None:
            return
        process_drain.discard(self)
        if self.counted_connected:  # once, however often disconnect() runs
            self.counted_connected = False
            metrics.CONNECTED_CHARGERS.dec()
        outbox_poller.remove(self.station_id, self)
        await self._note_unlogged(*self.malformed.take_unlogged())
        if layer_health.is_up:
            # Skipped while the layer is down: the membership expires with the group, and a
            # wake-up sent to this channel meanwhile is simply never read.
            try:
                async with layer_slots.get():
                    await self.channel_layer.group_discard(command_group(self.station_id), self.channel_name)
            except Exception as error:
                layer_health.mark_down(self.channel_layer, error)
        try:
            await in_thread(exchange.connection_close)(
                protocol=self.protocol,
                station_id=self.station_id,
                connected_at=self.connected_at,
                in_flight_command_id=self.in_flight.command_id if self.in_flight else None,
                at=timezone.now(),
            )
        except Exception:
            logger.exception("station %s: recording the disconnect failed", self.identity)

    async def ocpp_announce(self, event: dict) -> None:
        """Another socket of this station joined. The newer one stays: if that is the other,
        close; if the other is older (its announcement crossed ours), tell it to close."""
        if event["channel"] == self.channel_name or self.closing:
            return
        if (event["since"], event["channel"]) > (self.connected_at.timestamp(), self.channel_name):
            await self._close_replaced()
            return
        try:
            await self.channel_layer.send(event["channel"], {"type": "ocpp.replaced"})
        except Exception as error:
            # The newer socket's own announcement (or the database's compare-and-set on
            # connected_at) still settles which connection is current.
            layer_health.mark_down(self.channel_layer, error)

    async def ocpp_replaced(self, event: dict) -> None:
        if not self.closing:
            await self._close_replaced()

    async def _close_replaced(self) -> None:
        logger.info("station %s: replaced by a newer connection", self.identity)
        self.closing = True
        await self.close(code=CLOSE_REPLACED, reason="Replaced by a newer connection")

    # --- charger → CSMS ---------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.protocol is None or self.closing:
            return
        received_at = timezone.now()
        text = text_data if text_data is not None else bytes_data.decode("utf-8", errors="replace")
        try:
            if len(text) > settings.OCPP_MAX_FRAME_BYTES // 4 and len(text.encode()) > settings.OCPP_MAX_FRAME_BYTES:
                raise self._too_large(text)
            frame = frames.parse(
                text, formation_violation=self.protocol.formation_violation, send_frames=self.protocol.speaks_send
            )
        except frames.FrameError as error:
            await self._refuse_frame(text, error, received_at)
            return
        # Counted so that a drain closes this socket only after the frame is answered.
        self.answering += 1
        try:
            if frame.message_type == frames.CALL:
                await self._answer(frame, received_at)
            elif frame.message_type in (frames.SEND, frames.CALLRESULTERROR):
                await self._take_unanswered(frame, received_at)
            else:
                await self._resolve(frame, received_at)
        finally:
            self.answering -= 1

    async def _take_unanswered(self, frame: frames.Frame, received_at) -> None:
        """OCPP 2.1's frames that get no answer: SEND and CALLRESULTERROR."""
        try:
            if frame.message_type == frames.SEND:
                await in_thread(exchange.send_take)(
                    protocol=self.protocol,
                    station_id=self.station_id,
                    identity=self.identity,
                    frame=frame,
                    received_at=received_at,
                )
            else:
                await in_thread(exchange.result_error_record)(
                    station_id=self.station_id, frame=frame, received_at=received_at
                )
        except Exception:
            logger.exception("station %s: recording frame %s failed", self.identity, frame.message_id)

    def _too_large(self, text: str) -> frames.FrameError:
        message_id = frames.leading_message_id(text)
        code = self.protocol.formation_violation if message_id != frames.UNKNOWN_ID else "ProtocolError"
        limit = settings.OCPP_MAX_FRAME_BYTES
        return frames.FrameError(code=code, description=f"Frame exceeds {limit} bytes.", message_id=message_id)

    async def _refuse_frame(self, text: str, error: frames.FrameError, received_at) -> None:
        # A charger spewing garbage must not cost a log row (or a log line) per frame.
        verdict = self.malformed.arrived(time.monotonic())
        if verdict.flush_row_id is not None:
            await self._note_unlogged(verdict.flush_row_id, verdict.flush_count)
        if verdict.log:
            logger.info("station %s: refused frame (%s: %s)", self.identity, error.code, error.description)
            try:
                self.malformed.logged_row_id = await in_thread(exchange.frame_refused)(
                    station_id=self.station_id, raw=text, error=error, received_at=received_at
                )
            except Exception:
                logger.exception("station %s: logging a refused frame failed", self.identity)
        else:
            metrics.frame_logged(direction="in", message_type=0, action="", payload=None)  # counted, not logged
        if not error.ignore:
            metrics.frame_logged(
                direction="out", message_type=frames.CALLERROR, action="", payload={"errorCode": error.code}
            )
            await self._send(frames.call_error(error.message_id, error.code, error.description))
        if verdict.close:
            self.closing = True
            logger.warning(
                "station %s: %s malformed frames within %s s; closing the connection",
                self.identity,
                self.malformed.in_window,
                self.malformed.window_seconds,
            )
            await self._note_unlogged(*self.malformed.take_unlogged())
            await self.close(code=malformed.CLOSE_CODE, reason="Too many malformed frames")

    async def _note_unlogged(self, row_id: int | None, count: int) -> None:
        if row_id is None:
            return
        try:
            await in_thread(message_log.unlogged_count_note)(
                row_id=row_id, count=count, window_seconds=self.malformed.window_seconds
            )
        except Exception:
            logger.exception("station %s: counting unlogged malformed frames failed", self.identity)

    async def _answer(self, frame: frames.Frame, received_at) -> None:
        touch_seen = (received_at - self.seen_written_at).total_seconds() >= SEEN_WRITE_INTERVAL_SECONDS
        if heartbeat.answers_on_loop(frame=frame, registration_status=self.registration_status):
            on_loop = heartbeat.heartbeat_answer(
                protocol=self.protocol,
                station_id=self.station_id,
                identity=self.identity,
                frame=frame,
                received_at=received_at,
            )
            if on_loop is not None:
                if on_loop.unlogged:
                    await in_thread(message_log_writer.add)(on_loop.unlogged)
                # The seen writer records this time, as the handler would have.
                self.seen_written_at = received_at
                await self._answered(on_loop.text)
                return
        try:
            answer = await in_thread(exchange.call_answer)(
                protocol=self.protocol,
                station_id=self.station_id,
                identity=self.identity,
                registration_status=self.registration_status,
                frame=frame,
                received_at=received_at,
                touch_seen=touch_seen,
            )
        except (OperationalError, InterfaceError) as error:
            # The database is unreachable: nothing was kept; the charger retries.
            logger.warning(
                "station %s: %s not processed, database unavailable (%s)", self.identity, frame.action, error
            )
            await self._send(frames.call_error(frame.message_id, "InternalError", exchange.INTERNAL_ERROR))
            return
        except Exception:
            # The transaction itself failed: nothing was kept.
            logger.exception("station %s: %s failed outside its handler", self.identity, frame.action)
            await self._send(frames.call_error(frame.message_id, "InternalError", exchange.INTERNAL_ERROR))
            return
        if touch_seen:
            self.seen_written_at = received_at
        if answer.registration_status:
            self.registration_status = answer.registration_status
        await self._answered(answer.text)

    async def _answered(self, text: str) -> None:
        await self._send(text)
        self._connected()
        if not self.outbox_open:
            # A charger that boots does so first; once any call is answered, it has.
            await self._open_outbox()

    async def _resolve(self, frame: frames.Frame, received_at) -> None:
        awaited = self.in_flight is not None and self.in_flight.message_id == frame.message_id
        if awaited:
            self.timeout_handle.cancel()
        refused: list = []
        try:
            await in_thread(outbox.command_resolve)(
                protocol=self.protocol,
                station_id=self.station_id,
                frame=frame,
                received_at=received_at,
                refused=refused,
            )
        except Exception:
            logger.exception("station %s: recording the response to %s failed", self.identity, frame.message_id)
        if refused and self.protocol.speaks_send:
            # OCPP 2.1: a CALLRESULT we cannot take is answered, so the charger learns why.
            error = refused[0]
            try:
                await in_thread(message_log.record)(
                    station_id=self.station_id,
                    direction="out",
                    message_type=frames.CALLRESULTERROR,
                    message_id=frame.message_id,
                    payload={"errorCode": error.code, "errorDescription": error.description, "errorDetails": {}},
                    at=timezone.now(),
                )
            except Exception:
                logger.exception("station %s: logging a CALLRESULTERROR failed", self.identity)
            await self._send(frames.call_result_error(frame.message_id, error.code, error.description))
        if awaited:
            self.in_flight = None
            await self._pump_outbox()

    # --- CSMS → charger ---------------------------------------------------------------
    async def _open_outbox(self) -> None:
        """Start delivering queued commands: after the BootNotification.conf has gone out,
        or when the charger answered nothing within OCPP_BOOT_WAIT_SECONDS (a reconnect
        without reboot sends no BootNotification)."""
        if self.boot_wait_handle is not None:
            self.boot_wait_handle.cancel()
        self.outbox_open = True
        if self.command_waiting:
            await self._pump_outbox()

    async def outbox_wake(self, event: dict) -> None:
        self.command_waiting = True
        await self._pump_outbox()

    def spawn_outbox_pump(self) -> None:
        """For the process's outbox poller: pump without making the poller wait."""
        self.command_waiting = True
        self._spawn(self._pump_outbox_logged())

    async def _pump_outbox_logged(self) -> None:
        try:
            await self._pump_outbox()
        except Exception:
            logger.exception("station %s: outbox poll failed", self.identity)

    async def _pump_outbox(self) -> None:
        """Send the next pending command unless one is already awaiting its answer."""
        async with self.pump_lock:
            if self.in_flight is not None or self.closing or not self.outbox_open or process_drain.active:
                return
            if self.registration_status == RegistrationStatus.ACCEPTED:
                held_back = frozenset()
            elif self.registration_status == RegistrationStatus.PENDING:
                held_back = self.protocol.not_while_pending
            else:
                return  # Rejected: 1.6 §4.2 has the charger answer nothing, so nothing is sent.
            call = await in_thread(outbox.command_claim_next)(
                protocol=self.protocol, station_id=self.station_id, now=timezone.now(), exclude_actions=held_back
            )
            if call is None:
                return
            self.in_flight = call
            loop = asyncio.get_running_loop()
            self.timeout_handle = loop.call_later(settings.OCPP_CALL_TIMEOUT, self._timeout_fired, call.message_id)
            if await self._send(call.text):
                return
            # The frame never left: the command goes back to pending for the next socket,
            # instead of timing out later as if the charger had ignored it.
            self.timeout_handle.cancel()
            self.in_flight = None
            try:
                await in_thread(outbox.command_unclaim)(command_id=call.command_id)
            except Exception:
                logger.exception("station %s: returning %s to the outbox failed", self.identity, call.message_id)

    async def drain_close(self) -> None:
        """Close for a drain (ocpp_gateway.drain): once the command in flight is answered
        (or timed out) and the frame being handled is answered, with 1012 so that the
        charger reconnects at once, to another process."""
        deadline = time.monotonic() + settings.OCPP_CALL_TIMEOUT + 1
        while (self.in_flight is not None or self.answering) and not self.closing and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.closing:
            return
        self.closing = True
        await self.close(code=CLOSE_SERVICE_RESTART, reason="Server restarting")

    def _timeout_fired(self, message_id: str) -> None:
        self._spawn(self._time_out(message_id))

    async def _time_out(self, message_id: str) -> None:
        if self.in_flight is None or self.in_flight.message_id != message_id:
            return
        call, self.in_flight = self.in_flight, None
        logger.info("station %s: no response to %s %s", self.identity, call.action, message_id)
        try:
            await in_thread(outbox.command_time_out)(
                protocol=self.protocol,
                command_id=call.command_id,
                reason=f"No response within {settings.OCPP_CALL_TIMEOUT} s.",
            )
            await self._pump_outbox()
        except Exception:
            # The sweep task times the command out later if this could not.
            logger.exception("station %s: recording the timeout of %s failed", self.identity, message_id)

    # --- plumbing ---------------------------------------------------------------------
    def _spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _send(self, text: str) -> bool:
        """Whether the frame was handed to the server for this socket."""
        if self.disconnected:
            return False
        try:
            await self.send(text_data=text)
        except Exception:
            # The socket went away under us; disconnect() will follow and clean up.
            logger.info("station %s: send failed, connection gone", getattr(self, "identity", "?"))
            return False
        return True
