using Mall.Common;
using Mall.Customers;
using Mall.Testing;

namespace Mall.Core.Tests;

public class CustomerTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Assets_change_only_through_an_idempotent_ledger_and_never_go_negative(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var customers = ctx.Get<ICustomerService>();
        var customer = await customers.RegisterAsync(new RegisterCustomerInput { Email = "Ann@Example.com", Password = "password-1" });
        Assert.Equal("ann@example.com", customer.Email);

        await customers.ChangeAssetAsync(customer.Id, new CustomerAssetChange(CustomerAsset.Balance, 100m, "Top-up", "topup-1"));
        await customers.ChangeAssetAsync(customer.Id, new CustomerAssetChange(CustomerAsset.Balance, 100m, "Top-up", "topup-1")); // replay
        // 30 concurrent spends of 7.50 against 100: at most 13 fit.
        var spends = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Task.Run(async () =>
        {
            try { await customers.ChangeAssetAsync(customer.Id, new CustomerAssetChange(CustomerAsset.Balance, -7.5m, "Purchase", $"order-{i}")); return true; }
            catch (MallConflictException) { return false; }
        })));
        var after = (await customers.FindAsync(customer.Id))!;

        Assert.Equal(13, spends.Count(ok => ok));
        Assert.Equal(100m - 13 * 7.5m, after.Balance);
        var ledger = await customers.GetLedgerAsync(customer.Id, 1, 100);
        Assert.Equal(14, ledger.Total);
        Assert.Equal(after.Balance, ledger.Items.Sum(e => e.Delta));
        Assert.Equal(after.Balance, ledger.Items[0].BalanceAfter);

        await customers.ChangeAssetAsync(customer.Id, new CustomerAssetChange(CustomerAsset.Points, 50, "Review bonus", "review-9"));
        var noFractions = await Assert.ThrowsAsync<MallValidationException>(() =>
            customers.ChangeAssetAsync(customer.Id, new CustomerAssetChange(CustomerAsset.Points, 1.5m, "x", "y")));
        Assert.Contains("delta", noFractions.Errors.Keys);
        await Assert.ThrowsAsync<MallConflictException>(() => customers.ChangeAssetAsync(customer.Id, new CustomerAssetChange(CustomerAsset.Points, -51, "Redeem", "redeem-1")));
        Assert.Equal(50, (await customers.FindAsync(customer.Id))!.Points);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Logins_are_unique_passwords_verify_and_external_identities_link_once(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var customers = ctx.Get<ICustomerService>();
        var bob = await customers.RegisterAsync(new RegisterCustomerInput { Phone = "13512345678", Password = "password-2", Nickname = "Bob" });

        var duplicate = await Assert.ThrowsAsync<MallConflictException>(() => customers.RegisterAsync(new RegisterCustomerInput { Phone = "13512345678", Password = "password-3" }));
        Assert.Equal("customer.duplicate_login", duplicate.Code);
        Assert.Equal(bob.Id, (await customers.VerifyPasswordAsync("13512345678", "password-2"))?.Id);
        Assert.Null(await customers.VerifyPasswordAsync("13512345678", "password-X"));

        var logins = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => customers.LoginExternalAsync("wechat", new ExternalIdentity("openid-1", "微信用户")))));
        Assert.Single(logins.Select(c => c.Id).Distinct());
        Assert.NotEqual(bob.Id, logins[0].Id);
        Assert.Null(await customers.VerifyPasswordAsync("openid-1", "anything-at-all")); // no password account
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Addresses_keep_one_default_and_stay_with_their_owner(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var customers = ctx.Get<ICustomerService>();
        var a = await customers.RegisterAsync(new RegisterCustomerInput { Phone = "13500000001", Password = "password-1" });
        var b = await customers.RegisterAsync(new RegisterCustomerInput { Phone = "13500000002", Password = "password-1" });
        CustomerAddressInput Input(string receiver, bool isDefault = false) => new() { Receiver = receiver, Phone = "13500000001", RegionCode = "310104", Detail = "徐汇区 1 号", IsDefault = isDefault };

        var first = await customers.AddAddressAsync(a.Id, Input("One"));
        var second = await customers.AddAddressAsync(a.Id, Input("Two", isDefault: true));
        Assert.True(first.IsDefault); // the first address is the default
        var list = await customers.ListAddressesAsync(a.Id);
        Assert.Equal([second.Id, first.Id], list.Select(x => x.Id));
        Assert.Single(list, x => x.IsDefault);

        await Assert.ThrowsAsync<MallNotFoundException>(() => customers.UpdateAddressAsync(b.Id, first.Id, Input("Stolen")));
        await Assert.ThrowsAsync<MallNotFoundException>(() => customers.DeleteAddressAsync(b.Id, first.Id));
        Assert.Equal("One", (await customers.ListAddressesAsync(a.Id)).Single(x => x.Id == first.Id).Receiver);
    }
}
