using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Mall.Plugins.Alipay;
using Mall.Plugins.WeChatPay;

namespace Mall.Web.Tests.Payments;

/// <summary>
/// Known-answer tests from the gateways' official SDKs, so that the plugins agree with WeChat Pay and Alipay and not
/// only with the fake gateways we wrote. Each vector names its source file; the values are copied as published.
/// </summary>
public class OfficialVectorTests
{
    // wechatpay-apiv3/wechatpay-go, utils/aes_test.go (TestDecryptAes256Gcm). The SDK's vector uses a 16-byte key.
    private const string AesKey = "testAPIv3Key0000";
    private const string AesCiphertext = "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC";
    private const string AesNonce = "wCq51qZv4Yfg";
    private const string AesAssociatedData = "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8";

    [Fact]
    public void WeChat_Pay_resource_decryption_matches_the_Go_SDK_vector()
    {
        Assert.Equal("Hello World", WeChatPayCrypto.DecryptResource(AesKey, AesNonce, AesAssociatedData, AesCiphertext));
        // The SDK's failing cases: another key, another associated data, a ciphertext that is not one, not base64.
        Assert.ThrowsAny<CryptographicException>(() => WeChatPayCrypto.DecryptResource("testAPIv3Key1111", AesNonce, AesAssociatedData, AesCiphertext));
        Assert.ThrowsAny<CryptographicException>(() => WeChatPayCrypto.DecryptResource(AesKey, AesNonce, "other", AesCiphertext));
        Assert.ThrowsAny<CryptographicException>(() => WeChatPayCrypto.DecryptResource(AesKey, AesNonce, AesAssociatedData, "SGVsbG8gV29ybGQK"));
        Assert.ThrowsAny<CryptographicException>(() => WeChatPayCrypto.DecryptResource(AesKey, AesNonce, AesAssociatedData, "invalid cipher"));
        Assert.ThrowsAny<CryptographicException>(() => WeChatPayCrypto.DecryptResource("not a aes key", AesNonce, AesAssociatedData, AesCiphertext));
    }

    // wechatpay-apiv3/wechatpay-go, core/notify/notify_test.go (TestHandler_ParseNotifyRequest): a notification signed by
    // the platform certificate below, its resource sealed with API v3 key "testMchAPIv3Key0".
    private const string NotifyCertificate = """
        -----BEGIN CERTIFICATE-----
        MIIDVzCCAj+gAwIBAgIJANfOWdH1ItcBMA0GCSqGSIb3DQEBCwUAMEIxCzAJBgNV
        BAYTAlhYMRUwEwYDVQQHDAxEZWZhdWx0IENpdHkxHDAaBgNVBAoME0RlZmF1bHQg
        Q29tcGFueSBMdGQwHhcNMjEwNDI3MDg1NTIzWhcNMzEwNDI1MDg1NTIzWjBCMQsw
        CQYDVQQGEwJYWDEVMBMGA1UEBwwMRGVmYXVsdCBDaXR5MRwwGgYDVQQKDBNEZWZh
        dWx0IENvbXBhbnkgTHRkMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA
        2VCTd91fnUn73Xy9DLvt/V62TVxRTEEstVdeRaZ3B3leO0pldE806mXO4RwdHXag
        HQ4vGeZN0yqm++rDsGK+U3AH7kejyD2pXshNP9Cq5YwbptiLGtjcquw4HNxJQUOm
        DeJf2vg6byms9RUipiq4SzbJKqJFlUpbuIPDpSpWz10PYmyCNeDGUUK65E5h2B83
        4uxl1zNLYQCrkdBzb8oUxwYeP5a2DNxmjL5lsJML7DGr5znsevnoqGRwTm9fxCGf
        y8wus7hwKz6clt3Whmmda7UAdb1c08hEQFVRbF14AR73xbnd8N0obCWJPCbzMCtk
        aSef4FdEEgEXJiw0VAJT8wIDAQABo1AwTjAdBgNVHQ4EFgQUT1c7nd/SUO76HSoZ
        umNUJv1R5PwwHwYDVR0jBBgwFoAUT1c7nd/SUO76HSoZumNUJv1R5PwwDAYDVR0T
        BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEAfTjxKRQMzNB/U6ZoCUS+BSNfa2Oh
        0plMN6ZuzwiVVZwg1jywvv5yv04koS7Pd4i9E4gt9ZBUQXlpq+A3oOCEEHNRR6b2
        kyazGRM7s0OP5X21WrbpSmKmU6K7hkfx30yYs08LVs/Q8DIhvaj1FCFeJzUCzYn/
        fHMq4tsbKO0dKAeydPM/nrUZBmaYQVKMVOORGLFjFKVO7JV6Kq/R86ouhjEPgJOe
        2xulNBUcjicqtZlBdEh/PWCYP2SpGVDclKm8jeo175T3EVAkdKzzmfpxtMmnMlmq
        cTJOU9TxuGvNASMtjj7pYIerTx+xgZDXEVBWFW9PjJ0TV06tCRsgSHItgg==
        -----END CERTIFICATE-----
        """;
    private const string NotifySerial = "D7CE59D1F522D701";
    private const string NotifyTimestamp = "1624523846";
    private const string NotifyNonce = "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz";
    private const string NotifySignature = "tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXFlbYZTOQrVdG4b6LfTnK4mikv9++ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//rxELLwXvV1VEA1IBLX70xptjL8hrfUjEE8kkry6yNJTHZRU8CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/jS2laKKgYUmfdEdkNO6B2Cke5e8VTxY406ArAmQ90GAihDwIcb16TQMnzCMBoutnwZKNiKRACrFmtxw2Q==";
    private const string NotifyBody = "{\"id\":\"3119dfba-e649-5eec-ab1e-3412bc4d2e17\",\"create_time\":\"2021-06-24T16:37:26+08:00\",\"resource_type\":\"encrypt-resource\",\"event_type\":\"PAYSCORE.USER_OPEN_SERVICE\",\"summary\":\"签约成功\",\"resource\":{\"original_type\":\"payscore\",\"algorithm\":\"AEAD_AES_256_GCM\",\"ciphertext\":\"YDS3lKPaC4Y52Gf3uhft5qUBlIa8b428AWTtTauHQfQrRw+X1WpiuHIDy0vo1Vd6VEq67aVyqPdDYMkRVSDaZL3iZttevRMOoPKMifozg6XPWjIZumks/GpT48lI4NizyeaqLBokNebthah3o1H76qSlO9NkDjp9bzmKLEYYH9TEklFUpsvPqOTOcgSLgh21YJXYR7dEBXFgRLiNIKRgO5JdXh1hccRUAlyVWxE54PXpnQ==\",\"associated_data\":\"payscore\",\"nonce\":\"Kj7QIyUiYx1q\"}}";

    [Fact]
    public void WeChat_Pay_notification_signature_and_resource_match_the_Go_SDK_vector()
    {
        // .NET writes the serial in its DER form (00D7CE…); WeChat Pay's header does not: both name the same certificate.
        using (var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(NotifyCertificate))
            Assert.Equal(WeChatPaySettings.Serial(NotifySerial), WeChatPaySettings.Serial(certificate.SerialNumber));
        Assert.Equal(NotifyCertificate, new WeChatPaySettings { PlatformSerialNo = "00" + NotifySerial.ToLowerInvariant(), PlatformCertificate = NotifyCertificate }.PlatformKey(NotifySerial));
        using var platform = WeChatPayCrypto.PublicKey(NotifyCertificate);
        Assert.True(WeChatPayCrypto.Verify(platform, WeChatPayCrypto.ResponseMessage(NotifyTimestamp, NotifyNonce, NotifyBody), NotifySignature));
        // One byte of the body, the timestamp or the nonce changed: not verified.
        Assert.False(WeChatPayCrypto.Verify(platform, WeChatPayCrypto.ResponseMessage(NotifyTimestamp, NotifyNonce, NotifyBody.Replace("签约成功", "签约失败")), NotifySignature));
        Assert.False(WeChatPayCrypto.Verify(platform, WeChatPayCrypto.ResponseMessage("1624523847", NotifyNonce, NotifyBody), NotifySignature));
        Assert.False(WeChatPayCrypto.Verify(platform, WeChatPayCrypto.ResponseMessage(NotifyTimestamp, NotifyNonce[1..], NotifyBody), NotifySignature));

        var resource = JsonNode.Parse(NotifyBody)!["resource"]!;
        var plain = WeChatPayCrypto.DecryptResource("testMchAPIv3Key0", (string)resource["nonce"]!, (string)resource["associated_data"]!, (string)resource["ciphertext"]!);
        Assert.Equal("""{"mchid":"1234567890","appid":"054aa7d7a2a54ab5898df65bd96f001c","create_time":"2020-06-30T12:12:00+08:00","out_contract_code":"21640bdbd08e473e828f3206a2741c6e"}""", plain);
    }

    // alipay/alipay-sdk-nodejs-all, test/alipay.test.ts, "checkNotifySign() … verify sign should delete sign_type": a
    // trade_status_sync notification and the Alipay public key as the SDK test gives it (bare base64, no PEM lines).
    private const string AlipayBareKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqObrdC7hrgAVM98tK0nv3hSQRGGKT4lBsQjHiGjeYZjOPIPHR5knm2jnnz/YGIXIofVHkA/tAlBAd5DrY7YpvI4tP5EONLtZKC2ghBMx7McI2wRD0xiqzxOQr1FuhZGJ8/AUokBzJrzY+aGX2xcOrxFYRlFilvVLTXg4LWjR1tdPkO6+i7wQZAIVMClPkwVRZEbaERRHlKqTzv2gGv5rDU8gRoe1LeaN+6BlbTqHWkQcNCUNrA8C6l17XAXGKDsm/9TFWwO8EPHHHCaQdjtV5/FdcWIt+L8SR1ss7EXTjYDFtxcKVv9rEoY1lX8T4mX+GbXfZHraG5NCF1+XioL5JwIDAQAB";

    private static Dictionary<string, string> AlipayTradeNotification() => new(StringComparer.Ordinal)
    {
        ["gmt_create"] = "2019-08-15 15:56:22", ["charset"] = "utf-8", ["seller_email"] = "z97-yuquerevenue@service.aliyun.com", ["subject"] = "语雀空间 500人规模",
        ["sign"] = "QfTb8tqE1BMhS5qAnXtvsF3/jBkEvu9q9en0pdbBUDDjvKycZhQb7h8GDs4FKfi049PynaNuatxSgLb/nLWZpXyyh0LEWdK2S6Ri7nPwrVgOs08zugLO20vOQz44y3ti2Ncm8/wZts1Fr2gZ7pShnVX3d1B50hbsXnObT1r/U8ONNQjWXd0HIul4TG+Q3fm3svmSvFEy0WnzuhcyHPX5Gm4ELNctL6Qd5YniGJFNcc7kopHYtI/XD9YCKCH6Ct02rzUs9i11C9CsadtZn+WhxF26Dqt9sGEFajkJ8cxUTLi8+VCpLHsgPE8P0y095uQcDdK0YjCh4x7wVSov+lrmOQ==",
        ["buyer_id"] = "2088102534368455", ["invoice_amount"] = "0.10", ["notify_id"] = "2019081500222155624068450559358070",
        // An array in the SDK's test object; the SDK signs it as its JSON text, which is how it arrives in the form.
        ["fund_bill_list"] = """[{"amount":"0.10","fundChannel":"ALIPAYACCOUNT"}]""",
        ["notify_type"] = "trade_status_sync", ["trade_status"] = "TRADE_SUCCESS", ["receipt_amount"] = "0.10", ["buyer_pay_amount"] = "0.10", ["sign_type"] = "RSA2",
        ["app_id"] = "2019073166072302", ["seller_id"] = "2088531891668739", ["gmt_payment"] = "2019-08-15 15:56:24", ["notify_time"] = "2019-08-15 15:56:25",
        ["version"] = "1.0", ["out_trade_no"] = "20190815155618536-564-57", ["total_amount"] = "0.10", ["trade_no"] = "2019081522001468450512505578",
        ["auth_app_id"] = "2019073166072302", ["buyer_logon_id"] = "xud***@126.com", ["point_amount"] = "0.00",
    };

    [Fact]
    public void Alipay_notification_signatures_match_the_Node_SDK_vectors_with_a_bare_base64_key_or_PEM()
    {
        var fields = AlipayTradeNotification();
        var content = AlipaySignature.Content(fields, excludeSignType: true);
        Assert.True(AlipaySignature.Verify(AlipayBareKey, content, fields["sign"]));
        // The same key as PEM, as Mall accepted before.
        var pem = "-----BEGIN PUBLIC KEY-----\n" + string.Join("\n", AlipayBareKey.Chunk(64).Select(c => new string(c))) + "\n-----END PUBLIC KEY-----";
        Assert.True(AlipaySignature.Verify(pem, content, fields["sign"]));
        // The SDK's "verify fail" notification (signed by another key) and a changed amount fail.
        fields["total_amount"] = "0.01";
        Assert.False(AlipaySignature.Verify(AlipayBareKey, AlipaySignature.Content(fields, excludeSignType: true), fields["sign"]));
        var other = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["app_id"] = "2018121762595097", ["auth_app_id"] = "2018121762595097", ["buyer_id"] = "2088512613526436", ["buyer_logon_id"] = "152****6706",
            ["buyer_pay_amount"] = "0.01", ["charset"] = "utf-8", ["fund_bill_list"] = """[{"amount":"0.01","fundChannel":"PCREDIT"}]""",
            ["gmt_create"] = "2019-05-23 14:13:56", ["gmt_payment"] = "2019-05-23 14:17:13", ["invoice_amount"] = "0.01", ["notify_id"] = "2019052300222141714026431019971405",
            ["notify_time"] = "2019-05-23 14:17:14", ["notify_type"] = "trade_status_sync", ["out_trade_no"] = "tpxy23962362669658", ["point_amount"] = "0.00",
            ["receipt_amount"] = "0.01", ["seller_email"] = "myapp@alitest.com", ["seller_id"] = "2088331578818800",
            ["sign"] = "T946S2qyNFAXLhAaRgNMmatxH6SO3MyWYFnTamQOgW1iAcheL/Zz+VoizwvEc6mTEwYewvvKS1wNkMQ1oEajMUHv9+cXQ9IFvU/qKS9Ktvw5xHvCaK0fj7LsVcQ7VxfyT3kSvXUDfKDP4cHSPuSZKwM2ybkzr53bIH9OUTpTQd2d3J0rbdf76OoUt+XF9vwqj7OVE7AGjH2HPWp842DgL/YVy4qeA9N2uFKRevT3YUskjaRxuI/E66reNjTMFhbjEqGLKvMcDD4BaQXnibq9ojAj60589fBwzKk3yWsVQmqGfksMQoheVMtZ3lAw4o2ty3TFngbVFFLwgx8FDpBZ9Q==",
            ["sign_type"] = "RSA2", ["subject"] = "tpxy2222896485", ["total_amount"] = "0.01", ["trade_no"] = "111111112019052322001426431037869358",
            ["trade_status"] = "TRADE_SUCCESS", ["version"] = "1.0",
        };
        Assert.False(AlipaySignature.Verify(AlipayBareKey, AlipaySignature.Content(other, excludeSignType: true), other["sign"]));
    }

    [Fact]
    public void Alipay_keys_are_taken_as_PEM_or_bare_base64_and_anything_else_is_refused_with_a_reason()
    {
        using var rsa = RSA.Create(2048);
        var pkcs8 = Convert.ToBase64String(rsa.ExportPkcs8PrivateKey());
        var pkcs1 = Convert.ToBase64String(rsa.ExportRSAPrivateKey());
        var spki = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        foreach (var privateKey in new[] { pkcs8, pkcs1, rsa.ExportPkcs8PrivateKeyPem(), rsa.ExportRSAPrivateKeyPem(), string.Join("\n", pkcs8.Chunk(64).Select(c => new string(c))) })
        {
            Assert.Null(AlipayKeys.Problem(privateKey, privateKey: true));
            var signature = AlipaySignature.Sign(privateKey, "a=1&b=2");
            Assert.True(AlipaySignature.Verify(spki, "a=1&b=2", signature));
            Assert.True(AlipaySignature.Verify(rsa.ExportSubjectPublicKeyInfoPem(), "a=1&b=2", signature));
        }
        Assert.Null(AlipayKeys.Problem(spki, privateKey: false));
        Assert.Null(AlipayKeys.Problem(Convert.ToBase64String(rsa.ExportRSAPublicKey()), privateKey: false));
        Assert.NotNull(AlipayKeys.Problem(spki, privateKey: true));                      // a public key where the private one goes
        Assert.NotNull(AlipayKeys.Problem(rsa.ExportSubjectPublicKeyInfoPem(), privateKey: true));
        Assert.NotNull(AlipayKeys.Problem("not a key at all", privateKey: false));
        Assert.NotNull(AlipayKeys.Problem(Convert.ToBase64String("hello"u8.ToArray()), privateKey: false));
    }
}
