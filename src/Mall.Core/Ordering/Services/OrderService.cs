using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Mall.Carts;
using Mall.Checkout;
using Mall.Checkout.Services;
using Mall.Common;
using Mall.Coupons;
using Mall.Customers;
using Mall.Coupons.Services;
using Mall.Data;
using Mall.Events;
using Mall.Inventory;
using Mall.Inventory.Services;
using Microsoft.Extensions.Options;

namespace Mall.Ordering.Services;

/// <summary>Default <see cref="IOrderService"/> over the Mall database.</summary>
internal sealed class OrderService(
    IMallDatabase database, ICheckoutService checkout, ICartService carts, IInventoryService inventory, IDomainEventDispatcher events,
    IOptions<MallOptions> mallOptions, ICouponService coupons, ICustomerService customers, Mall.Plugins.IExtensionRegistry extensions, Mall.Diagnostics.MallMetrics metrics, Mall.Outbox.IOutbox outbox, Mall.Auditing.IAuditContext audit, TimeProvider clock) : IOrderService
{
    private const string OrderColumns =
        "id AS Id, number AS Number, customer_id AS CustomerId, status AS Status, subtotal AS Subtotal, shipping_fee AS ShippingFee, discount AS Discount, " +
        "total AS Total, note AS Note, ship_receiver AS ShipReceiver, ship_phone AS ShipPhone, ship_region_code AS ShipRegionCode, ship_detail AS ShipDetail, shipping_carrier AS ShippingCarrier, tracking_number AS TrackingNumber, payment_deadline AS PaymentDeadline, " +
        "created_at AS CreatedAt, updated_at AS UpdatedAt";

    private ISqlDialect Dialect => database.Dialect;

    /// <inheritdoc />
    public async Task<PlaceOrderResult> PlaceAsync(PlaceOrderRequest request, CancellationToken cancellationToken = default)
    {
        var started = clock.GetTimestamp();
        var key = string.IsNullOrWhiteSpace(request.IdempotencyKey) ? null : request.IdempotencyKey.Trim();
        (long OrderId, Order? Placed, IReadOnlyList<StockLevel> LowStock) placed;
        try
        {
            Validate(request);
            placed = await database.InTransactionAsync(tx => PlaceCoreAsync(tx, request, key, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (placed.Placed is not null) metrics.OrderPlaced(clock.GetElapsedTime(started));
        }
        catch (Common.MallException ex)
        {
            metrics.OrderFailed(ex.Code ?? ex.GetType().Name, clock.GetElapsedTime(started));
            throw;
        }
        catch (Exception ex) when (key is not null && Dialect.IsUniqueViolation(ex))
        {
            // A concurrent request with the same key won; ours rolled back. Answer with its order.
            await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var winner = await FindIdByKeyAsync(connection, null, request.CustomerId, key, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("An idempotency-key conflict was reported but no order holds the key.");
            placed = (winner, null, []);
        }
        foreach (var level in placed.LowStock)
            await events.DispatchAsync(new StockLowEvent(level.SkuId, level.Available, level.LowStockThreshold, clock.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        if (placed.Placed is { } fresh)
            await events.DispatchAsync(new OrderPlacedEvent(fresh.Id, fresh.Number, fresh.CustomerId, fresh.Total, clock.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        // A new order is returned as written (no read-back); a replay reads the first order.
        var order = placed.Placed ?? (await FindAsync(placed.OrderId, request.CustomerId, cancellationToken).ConfigureAwait(false))!;
        return new PlaceOrderResult(order, placed.Placed is null);
    }

    private async Task<(long, Order?, IReadOnlyList<StockLevel>)> PlaceCoreAsync(
        DbTransaction tx, PlaceOrderRequest request, string? key, CancellationToken cancellationToken)
    {
        var connection = tx.Connection!;
        if (key is not null && await FindIdByKeyAsync(connection, tx, request.CustomerId, key, cancellationToken).ConfigureAwait(false) is { } existing)
            return (existing, null, []);

        var address = await AddressSnapshotAsync(tx, request, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<PlaceOrderLine> lines = request.Lines ?? [];
        if (request.FromCart)
        {
            lines = await carts.SelectedLinesAsync(tx, CartOwner.Customer(request.CustomerId), cancellationToken).ConfigureAwait(false);
            if (lines.Count == 0) throw new MallValidationException("lines", "No cart lines are selected for checkout.");
        }

        // Prices, names and availability are read now, inside the transaction, by the checkout pipeline (shipping,
        // promotions): never taken from the client.
        var quote = await checkout.QuoteAsync(tx, request.CustomerId, lines, address?.RegionCode, new CheckoutChoices { CouponId = request.CouponId, ShippingMethod = request.ShippingMethod, Extensions = request.Extensions }, cancellationToken).ConfigureAwait(false);
        if (request.CouponId is { } chosen && !quote.Adjustments.Any(a => a.Reference == CouponPromotionEvaluator.ReferenceOf(chosen)))
            throw new MallValidationException("couponId", $"Coupon {chosen} takes nothing off this order.");
        // Microseconds: what every database keeps, so the order returned now equals the order read later.
        var now = Microseconds(clock.GetUtcNow().UtcDateTime);
        var number = NewOrderNumber(now);
        // The order, its lines, the first transition and the adjustments in one round trip: the statements after the
        // order find it by its (unique) number, so no step waits for the new id.
        var actor = $"customer:{request.CustomerId}";
        var parameters = new DynamicParameters(new
        {
            number, request.CustomerId, status = (short)OrderStatus.PendingPayment,
            subtotal = Money.ToCents(quote.Subtotal), shipping = Money.ToCents(quote.ShippingFee), discount = Money.ToCents(quote.Discount), total = Money.ToCents(quote.Total),
            key, Note = request.Note?.Trim(), receiver = address?.Receiver, phone = address?.Phone, region = address?.RegionCode, detail = address?.Detail,
            deadline = now + mallOptions.Value.Ordering.PaymentTimeout, now, via = (short)OrderTrigger.Place, actor,
        });
        const string ThisOrder = " FROM mall_order o WHERE o.number = @number";
        var sql = new StringBuilder(Dialect.InsertReturningId(
            "INSERT INTO mall_order (number, customer_id, status, subtotal, shipping_fee, discount, total, idempotency_key, note, " +
            "ship_receiver, ship_phone, ship_region_code, ship_detail, payment_deadline, created_at, updated_at) " +
            "VALUES (@number, @CustomerId, @status, @subtotal, @shipping, @discount, @total, @key, @Note, @receiver, @phone, @region, @detail, @deadline, @now, @now)", "id"));
        var orderLines = quote.Lines.Concat(quote.Gifts).ToList();
        if (orderLines.Count == 0) throw new MallValidationException("lines", "An order needs at least one line.");
        sql.Append(";INSERT INTO mall_order_line (order_id, sku_id, product_id, product_name, sku_code, spec_values, image_url, unit_price, quantity, line_total, discount, is_gift) ");
        for (var i = 0; i < orderLines.Count; i++)
        {
            var l = orderLines[i];
            sql.Append(i == 0 ? "" : " UNION ALL ")
                .Append($"SELECT o.id, @s{i}, @p{i}, @n{i}, @c{i}, {Dialect.JsonValue($"@v{i}")}, @img{i}, @u{i}, @q{i}, @t{i}, @d{i}, @g{i}").Append(ThisOrder);
            parameters.Add($"g{i}", l.IsGift);
            parameters.Add($"s{i}", l.SkuId); parameters.Add($"p{i}", l.ProductId); parameters.Add($"n{i}", l.ProductName); parameters.Add($"c{i}", l.SkuCode);
            parameters.Add($"v{i}", JsonColumns.Write(l.SpecValues)); parameters.Add($"img{i}", l.ImageUrl); parameters.Add($"u{i}", Money.ToCents(l.UnitPrice));
            parameters.Add($"q{i}", l.Quantity); parameters.Add($"t{i}", Money.ToCents(l.LineTotal)); parameters.Add($"d{i}", Money.ToCents(l.Discount));
        }
        sql.Append(";INSERT INTO mall_order_transition (order_id, from_status, to_status, via, actor, reason, created_at) SELECT o.id, NULL, @status, @via, @actor, NULL, @now").Append(ThisOrder);
        // The shipping and discounts it was priced with (per-shopper promotion limits count them).
        for (var i = 0; i < quote.Adjustments.Count; i++)
        {
            var a = quote.Adjustments[i];
            sql.Append(i == 0 ? ";INSERT INTO mall_order_adjustment (order_id, kind, source, reference, amount, description) " : " UNION ALL ")
                .Append($"SELECT o.id, @ak{i}, @as{i}, @ar{i}, @aa{i}, @ad{i}").Append(ThisOrder);
            parameters.Add($"ak{i}", (short)a.Kind); parameters.Add($"as{i}", Truncate(a.Source, 100)); parameters.Add($"ar{i}", a.Reference is null ? null : Truncate(a.Reference, 100));
            parameters.Add($"aa{i}", Money.ToCents(a.Amount)); parameters.Add($"ad{i}", Truncate(a.Description, 200));
        }
        // Stock for every line, all or none, under the order number: with the built-in inventory in the same round trip
        // (a refusal rolls the order back with the transaction); another IInventoryService reserves below.
        var stockLines = orderLines.Select(l => new StockLine(l.SkuId, l.Quantity)).ToList();
        var joinedReservation = (inventory as InventoryService)?.PrepareNew(number, stockLines);
        joinedReservation?.AppendTo(sql, parameters);
        IReadOnlyList<object?[]?> rows;
        await using (var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql.ToString(), parameters, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
            rows = await ResultRows.ReadFirstRowsAsync(reader, cancellationToken).ConfigureAwait(false);
        var orderId = Convert.ToInt64(rows[0]?[0] ?? throw new InvalidOperationException("The order insert returned no id."), CultureInfo.InvariantCulture);
        var reservation = joinedReservation?.Read(rows.Skip(1).ToList());
        // The coupon is won by this order or by none: a conditional update, rolled back with the order.
        if (request.CouponId is { } couponId)
            await coupons.RedeemAsync(tx, couponId, request.CustomerId, orderId, cancellationToken).ConfigureAwait(false);
        using (var participants = extensions.Acquire<IOrderParticipant>())
            foreach (var (participant, _) in participants.Items)
                await participant.PlacingAsync(new OrderPlacing(tx, orderId, number, request.CustomerId, quote) { Extensions = request.Extensions ?? new Dictionary<string, string>() }, cancellationToken).ConfigureAwait(false);
        if (request.FromCart)
            await carts.RemoveLinesAsync(tx, CartOwner.Customer(request.CustomerId), quote.Lines.Select(l => l.SkuId).ToList(), cancellationToken).ConfigureAwait(false);

        reservation ??= await inventory.ReserveNewAsync(tx, number, stockLines, cancellationToken).ConfigureAwait(false);
        var order = new Order
        {
            Id = orderId, Number = number, CustomerId = request.CustomerId, Status = OrderStatus.PendingPayment,
            Subtotal = Stored(quote.Subtotal), ShippingFee = Stored(quote.ShippingFee), Discount = Stored(quote.Discount), Total = Stored(quote.Total), Note = request.Note?.Trim(),
            ShippingAddress = address is null ? null : new OrderAddress(address.Receiver, address.Phone, address.RegionCode, address.Detail),
            PaymentDeadline = now + mallOptions.Value.Ordering.PaymentTimeout, CreatedAt = now, UpdatedAt = now,
            Lines = orderLines.Select(l => new OrderLine
            {
                SkuId = l.SkuId, ProductId = l.ProductId, ProductName = l.ProductName, SkuCode = l.SkuCode, SpecValues = l.SpecValues, IsGift = l.IsGift,
                ImageUrl = l.ImageUrl, UnitPrice = Stored(l.UnitPrice), Quantity = l.Quantity, LineTotal = Stored(l.LineTotal), Discount = Stored(l.Discount),
            }).ToList(),
            History = [new OrderTransition(null, OrderStatus.PendingPayment, OrderTrigger.Place, actor, null, now)],
        };
        await outbox.AddAsync(tx, Mall.Outbox.MallEventTypes.OrderPlaced, $"order:{orderId}", new OrderEventData(orderId, number, request.CustomerId, OrderStatus.PendingPayment, null, order.Total, actor, null)
        {
            Lines = order.Lines.Select(l => new OrderEventLine(l.SkuId, l.SkuCode, l.ProductName, l.Quantity, l.UnitPrice, l.LineTotal, l.IsGift)).ToList(),
        }, cancellationToken).ConfigureAwait(false);
        return (orderId, order, reservation.LowStockCrossed);
    }

    /// <inheritdoc />
    public async Task<Order?> FindAsync(long orderId, long? customerId = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var orders = await LoadAsync(connection, $"id = @orderId{(customerId is null ? "" : " AND customer_id = @customerId")}", new { orderId, customerId }, cancellationToken).ConfigureAwait(false);
        return orders.SingleOrDefault();
    }

    /// <inheritdoc />
    public async Task<PagedResult<Order>> ListAsync(OrderQuery query, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        Paging.Validate(errors, query.Page, query.PageSize);
        if (query.Status is { } s && !Enum.IsDefined(s)) errors.Add("status", "is not a known order status.");
        if (query.AfterId < 0) errors.Add("afterId", "is an order id, 0 or more.");
        errors.MaxLength("number", query.Number, 32);
        errors.ThrowIfAny();
        var where = "1 = 1" + (query.CustomerId is null ? "" : " AND customer_id = @CustomerId") + (query.Status is null ? "" : " AND status = @status")
            + (query.AfterId is null ? "" : " AND id > @AfterId") + (string.IsNullOrWhiteSpace(query.Number) ? "" : " AND number = @number");
        var order = query.AfterId is null ? "created_at DESC, id DESC" : "id";
        var parameters = new { query.CustomerId, query.AfterId, status = (short?)query.Status, number = query.Number?.Trim(), skip = (query.Page - 1) * query.PageSize, take = query.PageSize };
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) FROM mall_order WHERE {where}", parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        // The page's ids first (from an index alone), then those orders: a deep page does not read every row before it.
        var ids = (await connection.QueryAsync<long>(new CommandDefinition(
            $"SELECT id FROM mall_order WHERE {where} ORDER BY {order} {Dialect.Page("@skip", "@take")}", parameters, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        IReadOnlyList<Order> orders = ids.Count == 0 ? [] : await LoadAsync(connection, $"{Dialect.InList("id", "@ids")} ORDER BY {order}", new { ids }, cancellationToken).ConfigureAwait(false);
        return new PagedResult<Order>(orders, query.Page, query.PageSize, total);
    }

    /// <inheritdoc />
    public Task<OrderStatusChangedEvent> MarkPaidAsync(DbTransaction transaction, long orderId, string actor, string? reason, CancellationToken cancellationToken = default) =>
        TransitionInAsync(transaction, orderId, OrderTrigger.Pay, actor, reason, null, (tx, number) => inventory.CommitAsync(tx, number, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<OrderStatusChangedEvent> ApplyAsync(DbTransaction transaction, long orderId, OrderTrigger trigger, string actor, string? reason, CancellationToken cancellationToken = default) =>
        trigger is OrderTrigger.RequestRefund or OrderTrigger.Refund or OrderTrigger.RefundPartially or OrderTrigger.OpenAfterSale or OrderTrigger.Complete
            ? TransitionInAsync(transaction, orderId, trigger, actor, reason, null, null, cancellationToken)
            : throw new ArgumentOutOfRangeException(nameof(trigger), trigger, "Only triggers that move no stock are applied inside another transaction.");

    /// <inheritdoc />
    public async Task<OrderStatus> LockStatusAsync(DbTransaction transaction, long orderId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var status = await transaction.Connection!.ExecuteScalarAsync<short?>(new CommandDefinition(
            $"SELECT status FROM mall_order WHERE id = @orderId{Dialect.ForUpdate}", new { orderId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return status is { } value ? (OrderStatus)value : throw new MallNotFoundException($"Order {orderId} does not exist.");
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<long, OrderStatus>> GetStatusesAsync(IReadOnlyCollection<long> orderIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orderIds);
        if (orderIds.Count > 1000) throw new ArgumentOutOfRangeException(nameof(orderIds), orderIds.Count, "At most 1,000 orders per call.");
        if (orderIds.Count == 0) return new Dictionary<long, OrderStatus>();
        var ids = orderIds.Distinct().ToList();
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long Id, short Status)>(new CommandDefinition(
            $"SELECT id, status FROM mall_order WHERE {Dialect.InList("id", "@ids")}", new { ids }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Id, r => (OrderStatus)r.Status);
    }

    /// <inheritdoc />
    public Task<ShopperOrderCounts> CountShopperOrdersAsync(long customerId, IReadOnlyCollection<string> adjustmentReferences, DbTransaction? transaction = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(adjustmentReferences);
        return database.ReadAsync(transaction?.Connection, transaction, async (connection, tx) =>
        {
            var cancelled = (short)OrderStatus.Cancelled;
            var placed = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM mall_order WHERE customer_id = @customerId AND status <> @cancelled", new { customerId, cancelled }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var byAdjustment = new Dictionary<string, int>(StringComparer.Ordinal);
            if (adjustmentReferences.Count > 0)
            {
                // Orders that used each reference; cancelled orders give their use back.
                var references = adjustmentReferences.Distinct().ToList();
                var counts = await connection.QueryAsync<(string Reference, long Orders)>(new CommandDefinition(
                    "SELECT a.reference, COUNT(DISTINCT a.order_id) FROM mall_order_adjustment a JOIN mall_order o ON o.id = a.order_id " +
                    $"WHERE o.customer_id = @customerId AND o.status <> @cancelled AND {Dialect.InList("a.reference", "@references")} GROUP BY a.reference",
                    new { customerId, cancelled, references }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                foreach (var (reference, count) in counts) byAdjustment[reference] = (int)count;
            }
            return new ShopperOrderCounts(placed, byAdjustment);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<Order> MarkPaidAsync(long orderId, string actor, string? reason = null, CancellationToken cancellationToken = default) =>
        TransitionAsync(orderId, OrderTrigger.Pay, actor, reason, null, (tx, number) => inventory.CommitAsync(tx, number, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<Order> ShipAsync(long orderId, string carrier, string trackingNumber, string actor, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        errors.Required("carrier", carrier, 50);
        errors.Required("trackingNumber", trackingNumber, 64);
        errors.ThrowIfAny();
        return TransitionAsync(orderId, OrderTrigger.Ship, actor, null, (carrier.Trim(), trackingNumber.Trim()), null, cancellationToken);
    }

    /// <inheritdoc />
    public Task<Order> CompleteAsync(long orderId, string actor, CancellationToken cancellationToken = default) =>
        TransitionAsync(orderId, OrderTrigger.Complete, actor, null, null, null, cancellationToken);

    /// <inheritdoc />
    public Task<Order> CancelAsync(long orderId, string actor, string? reason, CancellationToken cancellationToken = default) =>
        TransitionAsync(orderId, OrderTrigger.Cancel, actor, reason, null, async (tx, number) =>
        {
            // Stock and the coupon go back with the transition, so exactly once.
            await inventory.ReleaseAsync(tx, number, cancellationToken).ConfigureAwait(false);
            await coupons.ReleaseAsync(tx, orderId, cancellationToken).ConfigureAwait(false);
            using var participants = extensions.Acquire<IOrderParticipant>();
            foreach (var (participant, _) in participants.Items)
                await participant.CancellingAsync(new OrderCancelling(tx, orderId, number), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<Order> ApplyAsync(long orderId, OrderTrigger trigger, string actor, string? reason, CancellationToken cancellationToken = default) => trigger switch
    {
        OrderTrigger.Pay or OrderTrigger.Ship or OrderTrigger.Cancel or OrderTrigger.Place =>
            throw new MallValidationException("trigger", $"Use the dedicated operation for {trigger}: it has effects beyond the status."),
        _ when !Enum.IsDefined(trigger) => throw new MallValidationException("trigger", "is not a known order trigger."),
        _ => TransitionAsync(orderId, trigger, actor, reason, null, null, cancellationToken),
    };

    /// <inheritdoc />
    public async Task<int> CancelExpiredAsync(int maxOrders, CancellationToken cancellationToken = default)
    {
        List<long> due;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            due = (await connection.QueryAsync<long>(new CommandDefinition(
                $"SELECT id FROM mall_order WHERE status = @pending AND payment_deadline < @now ORDER BY payment_deadline {Dialect.Page("0", "@maxOrders")}",
                new { pending = (short)OrderStatus.PendingPayment, now = clock.GetUtcNow().UtcDateTime, maxOrders }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        }
        var cancelled = 0;
        foreach (var id in due)
        {
            try
            {
                await CancelAsync(id, "system", "Payment timeout", cancellationToken).ConfigureAwait(false);
                cancelled++;
            }
            catch (MallConflictException)
            {
                // Paid meanwhile, or another host cancelled it first: nothing to do.
            }
        }
        return cancelled;
    }

    /// <summary>
    /// One guarded transition: lock the order, check the table, update conditionally on the status read, record the
    /// transition and run its side effect, all in one transaction. A disallowed transition changes nothing.
    /// </summary>
    private async Task<Order> TransitionAsync(
        long orderId, OrderTrigger trigger, string actor, string? reason, (string Carrier, string Tracking)? shipment,
        Func<DbTransaction, string, Task>? effect, CancellationToken cancellationToken)
    {
        ValidateTransition(actor, reason);
        var change = await database.InTransactionAsync(tx => TransitionInAsync(tx, orderId, trigger, actor, reason, shipment, effect, cancellationToken), cancellationToken).ConfigureAwait(false);
        await events.DispatchAsync(change, cancellationToken).ConfigureAwait(false);
        return (await FindAsync(orderId, null, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The transition inside the caller's transaction; the caller dispatches the returned event after commit.</summary>
    private async Task<OrderStatusChangedEvent> TransitionInAsync(
        DbTransaction tx, long orderId, OrderTrigger trigger, string actor, string? reason, (string Carrier, string Tracking)? shipment,
        Func<DbTransaction, string, Task>? effect, CancellationToken cancellationToken)
    {
        ValidateTransition(actor, reason);
        var connection = tx.Connection!;
        var found = (await connection.QueryAsync<(string Number, short Status, long CustomerId, long Total)>(new CommandDefinition(
            $"SELECT number, status, customer_id, total FROM mall_order WHERE id = @orderId{Dialect.ForUpdate}", new { orderId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        if (found.Count == 0) throw new MallNotFoundException($"Order {orderId} does not exist.");
        var current = found[0];
        var from = (OrderStatus)current.Status;
        if (!OrderStateMachine.TryNext(from, trigger, out var to))
        {
            var allowed = OrderStateMachine.AllowedTriggers(from);
            throw new MallConflictException(
                $"Order {current.Number} is {Name(from)}; '{Name(trigger)}' is not allowed" +
                (allowed.Count == 0 ? " (no further changes are)." : $" (allowed: {string.Join(", ", allowed.Select(Name))}).")) { Code = "order.illegal_transition" };
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE mall_order SET status = @to, updated_at = @now{(shipment is null ? "" : ", shipping_carrier = @carrier, tracking_number = @tracking")} WHERE id = @orderId AND status = @from",
            new { orderId, from = (short)from, to = (short)to, now, carrier = shipment?.Carrier, tracking = shipment?.Tracking }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 0) throw new MallConflictException($"Order {current.Number} changed meanwhile; read it again.") { Code = "order.concurrent_change" };
        await RecordAsync(tx, orderId, from, to, trigger, actor.Trim(), reason?.Trim(), now, cancellationToken).ConfigureAwait(false);
        if (effect is not null) await effect(tx, current.Number).ConfigureAwait(false);
        using (var participants = extensions.Acquire<IOrderParticipant>())
            foreach (var (participant, _) in participants.Items)
                await participant.TransitionedAsync(new OrderTransitioned(tx, orderId, current.Number, from, to, trigger), cancellationToken).ConfigureAwait(false);
        var (carrier, tracking) = (shipment?.Carrier, shipment?.Tracking);
        if (audit.Current is { } entry)
        {
            entry.SetEntity("order", orderId.ToString(CultureInfo.InvariantCulture));
            entry.Change("status", from, to);
            entry.Change("trackingNumber", null, tracking);
            entry.Change("shippingCarrier", null, carrier);
        }
        if (EventTypeOf(trigger) is { } eventType)
        {
            await outbox.AddAsync(tx, eventType, $"order:{orderId}", new OrderEventData(orderId, current.Number, current.CustomerId, to, from, Money.FromCents(current.Total), actor.Trim(), reason?.Trim())
            {
                ShippingCarrier = carrier, TrackingNumber = tracking,
            }, cancellationToken).ConfigureAwait(false);
        }
        return new OrderStatusChangedEvent(orderId, current.Number, from, to, trigger, actor.Trim(), new DateTimeOffset(now, TimeSpan.Zero));
    }

    /// <summary>The outbox event of a transition (after-sale cases have none yet).</summary>
    private static string? EventTypeOf(OrderTrigger trigger) => trigger switch
    {
        OrderTrigger.Pay => Mall.Outbox.MallEventTypes.OrderPaid,
        OrderTrigger.Ship => Mall.Outbox.MallEventTypes.OrderShipped,
        OrderTrigger.Complete => Mall.Outbox.MallEventTypes.OrderCompleted,
        OrderTrigger.Cancel => Mall.Outbox.MallEventTypes.OrderCancelled,
        OrderTrigger.RequestRefund => Mall.Outbox.MallEventTypes.OrderRefundRequested,
        OrderTrigger.Refund => Mall.Outbox.MallEventTypes.OrderRefunded,
        OrderTrigger.RefundPartially => Mall.Outbox.MallEventTypes.OrderPartiallyRefunded,
        _ => null,
    };

    /// <summary>The data of an order event (webhook receivers read it; names are camelCase).</summary>
    private sealed record OrderEventData(long OrderId, string Number, long CustomerId, OrderStatus Status, OrderStatus? PreviousStatus, decimal Total, string Actor, string? Reason)
    {
        public string? ShippingCarrier { get; init; }
        public string? TrackingNumber { get; init; }
        public IReadOnlyList<OrderEventLine>? Lines { get; init; }
    }

    private sealed record OrderEventLine(long SkuId, string SkuCode, string ProductName, int Quantity, decimal UnitPrice, decimal LineTotal, bool IsGift);

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    private static void ValidateTransition(string actor, string? reason)
    {
        var errors = new ValidationErrors();
        errors.Required("actor", actor, 100);
        errors.MaxLength("reason", reason, 500);
        errors.ThrowIfAny();
    }

    private static Task RecordAsync(DbTransaction tx, long orderId, OrderStatus? from, OrderStatus to, OrderTrigger trigger, string actor, string? reason, DateTime now, CancellationToken cancellationToken) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            "INSERT INTO mall_order_transition (order_id, from_status, to_status, via, actor, reason, created_at) VALUES (@orderId, @from, @to, @via, @actor, @reason, @now)",
            new { orderId, from = (short?)from, to = (short)to, via = (short)trigger, actor, reason, now }, tx, cancellationToken: cancellationToken));

    private async Task<IReadOnlyList<Order>> LoadAsync(DbConnection connection, string whereAndOrder, object parameters, CancellationToken cancellationToken)
    {
        var rows = (await connection.QueryAsync<OrderRow>(new CommandDefinition(
            $"SELECT {OrderColumns} FROM mall_order WHERE {whereAndOrder}", parameters, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        if (rows.Count == 0) return [];
        var ids = rows.Select(r => r.Id).ToList();
        using var grid = await connection.QueryMultipleAsync(new CommandDefinition(
            "SELECT order_id AS OrderId, sku_id AS SkuId, product_id AS ProductId, product_name AS ProductName, sku_code AS SkuCode, spec_values AS SpecValues, " +
            $"image_url AS ImageUrl, unit_price AS UnitPrice, quantity AS Quantity, line_total AS LineTotal, discount AS Discount, is_gift AS IsGift FROM mall_order_line WHERE {Dialect.InList("order_id", "@ids")} ORDER BY id;" +
            "SELECT order_id AS OrderId, from_status AS FromStatus, to_status AS ToStatus, via AS Via, actor AS Actor, reason AS Reason, created_at AS CreatedAt " +
            $"FROM mall_order_transition WHERE {Dialect.InList("order_id", "@ids")} ORDER BY id",
            new { ids }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var lines = (await grid.ReadAsync<LineRow>().ConfigureAwait(false)).ToLookup(l => l.OrderId);
        var history = (await grid.ReadAsync<TransitionRow>().ConfigureAwait(false)).ToLookup(t => t.OrderId);
        return rows.Select(r => r.ToOrder(lines[r.Id].Select(l => l.ToLine()).ToList(), history[r.Id].Select(t => t.ToTransition()).ToList())).ToList();
    }

    private static async Task<long?> FindIdByKeyAsync(DbConnection connection, DbTransaction? tx, long customerId, string key, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "SELECT id FROM mall_order WHERE customer_id = @customerId AND idempotency_key = @key", new { customerId, key }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);

    private static void Validate(PlaceOrderRequest request)
    {
        var errors = new ValidationErrors();
        if (request.CustomerId <= 0) errors.Add("customerId", "is required.");
        errors.MaxLength("idempotencyKey", request.IdempotencyKey, 100);
        errors.MaxLength("note", request.Note, 500);
        if (request.AddressId is <= 0) errors.Add("addressId", "must be a positive id or null.");
        if (request.CouponId is <= 0) errors.Add("couponId", "must be a positive id or null.");
        if (request.FromCart && request.Lines is { Count: > 0 }) errors.Add("lines", "must be empty when ordering from the cart.");
        errors.ThrowIfAny();
        if (!request.FromCart) CheckoutLines.Validate(request.Lines);
    }

    private async Task<CustomerAddress?> AddressSnapshotAsync(DbTransaction tx, PlaceOrderRequest request, CancellationToken cancellationToken)
    {
        if (request.AddressId is not { } addressId) return null;
        // Only the shopper's own address (the customers feature's rule): another shopper's reads as missing.
        return await customers.FindAddressAsync(request.CustomerId, addressId, tx, cancellationToken).ConfigureAwait(false)
            ?? throw new MallValidationException("addressId", $"Address {addressId} does not exist.");
    }

    /// <summary>An amount as it reads back from the database (cents, so 31.50 becomes 31.5).</summary>
    private static decimal Stored(decimal amount) => Money.FromCents(Money.ToCents(amount));

    private static DateTime Microseconds(DateTime value) => new(value.Ticks - value.Ticks % 10, DateTimeKind.Utc);

    /// <summary>Date prefix for people, 12 random digits so that numbers cannot be guessed or counted.</summary>
    private static string NewOrderNumber(DateTime now) =>
        now.ToString("yyyyMMdd", CultureInfo.InvariantCulture) +
        RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture) +
        RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);

    private static string Name<T>(T value) where T : struct, Enum
    {
        var name = value.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    private sealed class OrderRow
    {
        public long Id { get; set; }
        public string Number { get; set; } = "";
        public long CustomerId { get; set; }
        public short Status { get; set; }
        public long Subtotal { get; set; }
        public long ShippingFee { get; set; }
        public long Discount { get; set; }
        public long Total { get; set; }
        public string? Note { get; set; }
        public string? ShipReceiver { get; set; }
        public string? ShipPhone { get; set; }
        public string? ShipRegionCode { get; set; }
        public string? ShipDetail { get; set; }
        public string? ShippingCarrier { get; set; }
        public string? TrackingNumber { get; set; }
        public DateTime PaymentDeadline { get; set; }
        public DateTime CreatedAt { get; set; }
        public DateTime UpdatedAt { get; set; }

        public Order ToOrder(IReadOnlyList<OrderLine> lines, IReadOnlyList<OrderTransition> history) => new()
        {
            Id = Id, Number = Number, CustomerId = CustomerId, Status = (OrderStatus)Status,
            Subtotal = Money.FromCents(Subtotal), ShippingFee = Money.FromCents(ShippingFee), Discount = Money.FromCents(Discount), Total = Money.FromCents(Total),
            Note = Note, ShippingCarrier = ShippingCarrier,
            ShippingAddress = ShipReceiver is null ? null : new OrderAddress(ShipReceiver, ShipPhone ?? "", ShipRegionCode ?? "", ShipDetail ?? ""), TrackingNumber = TrackingNumber,
            PaymentDeadline = Utc.Of(PaymentDeadline), CreatedAt = Utc.Of(CreatedAt), UpdatedAt = Utc.Of(UpdatedAt), Lines = lines, History = history,
        };
    }

    private sealed class LineRow
    {
        public long OrderId { get; set; }
        public long SkuId { get; set; }
        public long ProductId { get; set; }
        public string ProductName { get; set; } = "";
        public string SkuCode { get; set; } = "";
        public string? SpecValues { get; set; }
        public string? ImageUrl { get; set; }
        public long UnitPrice { get; set; }
        public int Quantity { get; set; }
        public long LineTotal { get; set; }
        public long Discount { get; set; }
        public bool IsGift { get; set; }

        public OrderLine ToLine() => new()
        {
            SkuId = SkuId, ProductId = ProductId, ProductName = ProductName, SkuCode = SkuCode,
            SpecValues = JsonColumns.List<string>(SpecValues),
            ImageUrl = ImageUrl, UnitPrice = Money.FromCents(UnitPrice), Quantity = Quantity, LineTotal = Money.FromCents(LineTotal), Discount = Money.FromCents(Discount), IsGift = IsGift,
        };
    }

    private sealed class TransitionRow
    {
        public long OrderId { get; set; }
        public short? FromStatus { get; set; }
        public short ToStatus { get; set; }
        public short Via { get; set; }
        public string Actor { get; set; } = "";
        public string? Reason { get; set; }
        public DateTime CreatedAt { get; set; }

        public OrderTransition ToTransition() =>
            new((OrderStatus?)FromStatus, (OrderStatus)ToStatus, (OrderTrigger)Via, Actor, Reason, Utc.Of(CreatedAt));
    }
}
