namespace Mall.Plugins.GroupBuy;

/// <summary>
/// Where a team (团) stands. Opened by its leader's paid order; full (every seat paid) → succeeded and its orders
/// ship; short at its deadline → failed and each paid member's own order is refunded.
/// </summary>
public enum TeamStatus
{
    /// <summary>The leader placed the order that opens it; nobody can join until it is paid.</summary>
    AwaitingLeader = 1,
    /// <summary>Paid by its leader: others join until it is full or its deadline passes.</summary>
    Open = 2,
    /// <summary>Every seat paid (or filled by virtual members at the deadline): its orders ship.</summary>
    Succeeded = 3,
    /// <summary>Short at its deadline: its members' orders are refunded.</summary>
    Failed = 4,
    /// <summary>The leader's order was cancelled unpaid: the team never opened.</summary>
    Abandoned = 5,
}

/// <summary>Where one member's seat (and order) stands.</summary>
public enum MemberStatus
{
    /// <summary>Order placed, not paid: holds a seat until it is paid or cancelled (payment timeout).</summary>
    Pending = 1,
    /// <summary>Paid: counts toward the team.</summary>
    Paid = 2,
    /// <summary>The order was cancelled unpaid: the seat is free again.</summary>
    Left = 3,
    /// <summary>The team failed (or closed before this payment landed): the order is owed a refund.</summary>
    RefundDue = 4,
    /// <summary>The order was refunded: no longer counts toward or shows in the team.</summary>
    Refunded = 5,
    /// <summary>
    /// Owed a refund that is not made automatically: the order had already shipped, or was paid outside the payment
    /// ledger. Listed for the merchant, who settles it as an after-sale case.
    /// </summary>
    RefundBlocked = 6,
}

/// <summary>A group-buy activity (拼团活动). Money in yuan; stored in cents.</summary>
/// <param name="Id">Id.</param>
/// <param name="Name">Name shown to shoppers.</param>
/// <param name="Skus">The SKUs sold in teams, each with its group price.</param>
/// <param name="TeamSize">Members a team needs, leader included (2–100).</param>
/// <param name="TeamMinutes">How long a team stays open after its leader paid (never past the activity's end).</param>
/// <param name="StartsAt">Start (UTC), or at once.</param>
/// <param name="EndsAt">End (UTC), or open-ended.</param>
/// <param name="PerUserLimit">Units one shopper may buy through the activity (unpaid orders count; cancelled and refunded ones do not).</param>
/// <param name="LeaderDiscount">Taken off the leader's unit price (团长优惠), 0 for none.</param>
/// <param name="VirtualFill">At most this many missing seats are filled by virtual members at the deadline (模拟成团); 0, the default, never.</param>
/// <param name="StockCap">Units sold through the activity at most.</param>
/// <param name="Sold">Units held by members now (unpaid and paid; given back when an order is cancelled or refunded).</param>
/// <param name="IsActive">False once the merchant ended it (open teams run to their deadline).</param>
public sealed record GroupBuyActivity(long Id, string Name, IReadOnlyList<GroupBuySku> Skus, int TeamSize, int TeamMinutes, DateTime? StartsAt, DateTime? EndsAt,
    int PerUserLimit, decimal LeaderDiscount, int VirtualFill, int StockCap, int Sold, bool IsActive);

/// <summary>A SKU of an activity and its group price.</summary>
/// <param name="SkuId">The SKU.</param>
/// <param name="GroupPrice">Unit price in a team.</param>
public sealed record GroupBuySku(long SkuId, decimal GroupPrice);

/// <summary>A team as anyone with its share link sees it (members without who they are).</summary>
/// <param name="Id">Id.</param>
/// <param name="ActivityId">Its activity.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="TeamSize">Seats.</param>
/// <param name="Paid">Paid members.</param>
/// <param name="SeatsLeft">Seats nobody holds (unpaid orders hold theirs until they time out).</param>
/// <param name="VirtualMembers">Seats filled by virtual members at the deadline.</param>
/// <param name="ExpiresAt">Deadline (UTC), once open.</param>
/// <param name="Members">Members holding a seat, leader first.</param>
public sealed record TeamView(long Id, long ActivityId, TeamStatus Status, int TeamSize, int Paid, int SeatsLeft, int VirtualMembers, DateTime? ExpiresAt, IReadOnlyList<TeamMemberView> Members);

/// <summary>A member as the team page shows it.</summary>
/// <param name="IsLeader">The leader (团长).</param>
/// <param name="Paid">Paid (else holding a seat while paying).</param>
/// <param name="JoinedAt">When (UTC).</param>
public sealed record TeamMemberView(bool IsLeader, bool Paid, DateTime JoinedAt);

/// <summary>A member as the merchant (and the member) sees it.</summary>
/// <param name="Id">Member id.</param>
/// <param name="TeamId">Team.</param>
/// <param name="CustomerId">Shopper.</param>
/// <param name="OrderId">The member's own order.</param>
/// <param name="IsLeader">The leader.</param>
/// <param name="Quantity">Units.</param>
/// <param name="Status">Where the seat stands.</param>
/// <param name="Note">Why a refund is blocked, or the last refund error.</param>
public sealed record MemberRecord(long Id, long TeamId, long CustomerId, long OrderId, bool IsLeader, int Quantity, MemberStatus Status, string? Note);

/// <summary>A team with its members, for the merchant.</summary>
/// <param name="Team">The team.</param>
/// <param name="Members">Every member, including those who left or were refunded.</param>
public sealed record TeamRecord(TeamView Team, IReadOnlyList<MemberRecord> Members);

/// <summary>An activity page: the activity and teams open to join.</summary>
/// <param name="Activity">The activity.</param>
/// <param name="Running">Whether new teams can be opened now.</param>
/// <param name="OpenTeams">Open teams with seats left, fullest first.</param>
public sealed record ActivityPage(GroupBuyActivity Activity, bool Running, IReadOnlyList<TeamView> OpenTeams);

/// <summary>An activity's terms as the merchant sends them.</summary>
/// <param name="Name">Name (1–100 characters).</param>
/// <param name="Skus">1–20 SKUs with group prices.</param>
/// <param name="TeamSize">2–100.</param>
/// <param name="TeamMinutes">1 minute to 7 days.</param>
/// <param name="StartsAt">Start (UTC), or now.</param>
/// <param name="EndsAt">End (UTC), or open.</param>
/// <param name="PerUserLimit">1–100 units per shopper (cancelled and refunded orders do not count).</param>
/// <param name="StockCap">1–1,000,000 units.</param>
/// <param name="LeaderDiscount">Leader's extra discount per unit (below the lowest group price).</param>
/// <param name="VirtualFill">Missing seats virtual members may fill at the deadline (0: off).</param>
public sealed record GroupBuyActivityInput(string? Name, IReadOnlyList<GroupBuySku>? Skus, int TeamSize, int TeamMinutes,
    int PerUserLimit, int StockCap, decimal LeaderDiscount = 0, int VirtualFill = 0, DateTime? StartsAt = null, DateTime? EndsAt = null);

/// <summary>What one expiry pass did.</summary>
/// <param name="Reconciled">Members brought in step with their orders (changes made while the plugin was off).</param>
/// <param name="Closed">Teams closed at their deadline (failed, or filled by virtual members).</param>
/// <param name="Cancelled">Unpaid orders of closed teams cancelled.</param>
/// <param name="Refunded">Members refunded through the payment ledger.</param>
/// <param name="Blocked">Members whose refund needs the merchant (shipped, or no ledger payment).</param>
public sealed record ExpiryPass(int Reconciled, int Closed, int Cancelled, int Refunded, int Blocked);
