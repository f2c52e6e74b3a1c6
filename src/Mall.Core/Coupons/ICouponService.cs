using System.Data.Common;
using Mall.Common;

namespace Mall.Coupons;

/// <summary>The changeable parts of a coupon template (its terms are fixed once created).</summary>
/// <param name="Name">New name.</param>
/// <param name="TotalQuantity">New total (not below what is issued), or no limit.</param>
/// <param name="Claimable">Whether shoppers may claim it.</param>
/// <param name="IsActive">Whether coupons are still issued.</param>
public sealed record CouponTemplateChange(string Name, int? TotalQuantity, bool Claimable, bool IsActive);

/// <summary>
/// Coupons (优惠券): templates, issuance (claimed by shoppers, granted by the merchant) within per-shopper and total
/// limits that hold under concurrency, use at checkout bound to the order inside the order's transaction, and
/// release when that order is cancelled — exactly once.
/// </summary>
public interface ICouponService
{
    /// <summary>Templates, newest first; with <paramref name="claimableNow"/>, only those shoppers can claim now.</summary>
    Task<IReadOnlyList<CouponTemplate>> ListTemplatesAsync(bool claimableNow, CancellationToken cancellationToken = default);

    /// <summary>One template, or null.</summary>
    Task<CouponTemplate?> FindTemplateAsync(long templateId, CancellationToken cancellationToken = default);

    /// <summary>Creates a template.</summary>
    /// <exception cref="MallValidationException">Bad terms.</exception>
    Task<CouponTemplate> CreateTemplateAsync(CouponTemplate template, CancellationToken cancellationToken = default);

    /// <summary>Renames, resizes, opens or closes a template.</summary>
    /// <exception cref="MallNotFoundException">No such template.</exception>
    /// <exception cref="MallValidationException">A total below what is already issued.</exception>
    Task<CouponTemplate> UpdateTemplateAsync(long templateId, CouponTemplateChange change, CancellationToken cancellationToken = default);

    /// <summary>A shopper claims one coupon of a template.</summary>
    /// <exception cref="MallConflictException">
    /// Codes <c>coupon.not_claimable</c>, <c>coupon.sold_out</c> (the total is issued), <c>coupon.limit_reached</c>
    /// (the shopper holds their share); nothing is written.
    /// </exception>
    Task<Coupon> ClaimAsync(long templateId, long customerId, CancellationToken cancellationToken = default);

    /// <summary>The merchant grants one coupon to each shopper listed (all or none; counts toward the total, not toward claim limits).</summary>
    /// <exception cref="MallConflictException">Code <c>coupon.sold_out</c> when the total would be exceeded; nothing is written.</exception>
    Task<IReadOnlyList<Coupon>> GrantAsync(long templateId, IReadOnlyList<long> customerIds, CancellationToken cancellationToken = default);

    /// <summary>Issued coupons, newest first.</summary>
    Task<PagedResult<Coupon>> ListAsync(CouponQuery query, CancellationToken cancellationToken = default);

    /// <summary>One coupon, or null; with <paramref name="customerId"/>, only that shopper's.</summary>
    Task<Coupon?> FindAsync(long couponId, long? customerId = null, CancellationToken cancellationToken = default);

    /// <summary>Withdraws an unused coupon.</summary>
    /// <exception cref="MallConflictException">Code <c>coupon.in_use</c> when it is bound to an order.</exception>
    Task<Coupon> VoidAsync(long couponId, CancellationToken cancellationToken = default);

    /// <summary>Binds an available, valid coupon of the shopper to an order, inside the order's transaction.</summary>
    /// <exception cref="MallConflictException">Code <c>coupon.unavailable</c>: used meanwhile, voided or expired.</exception>
    Task RedeemAsync(DbTransaction transaction, long couponId, long customerId, long orderId, CancellationToken cancellationToken = default);

    /// <summary>Gives back the coupon bound to a cancelled order, inside the cancellation's transaction; true the one time it does.</summary>
    Task<bool> ReleaseAsync(DbTransaction transaction, long orderId, CancellationToken cancellationToken = default);
}
