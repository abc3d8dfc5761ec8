//! Codat's data type keys (`dataType`), as push and pull operations name them.

super::wire_enum! {
    /// A Codat data type key, such as `bankTransactions` for a bank feed push. Accounting types are
    /// plain camelCase; banking and commerce types carry a `banking-` or `commerce-` prefix.
    pub enum DataType {
        /// Accounting: account transactions.
        AccountTransactions = "accountTransactions",
        /// Accounting: balance sheet.
        BalanceSheet = "balanceSheet",
        /// Accounting: bank accounts.
        BankAccounts = "bankAccounts",
        /// Accounting: bank transactions.
        BankTransactions = "bankTransactions",
        /// Accounting: bill credit notes.
        BillCreditNotes = "billCreditNotes",
        /// Accounting: bill payments.
        BillPayments = "billPayments",
        /// Accounting: bills.
        Bills = "bills",
        /// Accounting: cash flow statement.
        CashFlowStatement = "cashFlowStatement",
        /// Accounting: chart of accounts.
        ChartOfAccounts = "chartOfAccounts",
        /// Accounting: company.
        Company = "company",
        /// Accounting: credit notes.
        CreditNotes = "creditNotes",
        /// Accounting: customers.
        Customers = "customers",
        /// Accounting: direct costs.
        DirectCosts = "directCosts",
        /// Accounting: direct incomes.
        DirectIncomes = "directIncomes",
        /// Accounting: invoices.
        Invoices = "invoices",
        /// Accounting: item receipts.
        ItemReceipts = "itemReceipts",
        /// Accounting: items.
        Items = "items",
        /// Accounting: journal entries.
        JournalEntries = "journalEntries",
        /// Accounting: journals.
        Journals = "journals",
        /// Accounting: payment methods.
        PaymentMethods = "paymentMethods",
        /// Accounting: payments.
        Payments = "payments",
        /// Accounting: profit and loss.
        ProfitAndLoss = "profitAndLoss",
        /// Accounting: purchase orders.
        PurchaseOrders = "purchaseOrders",
        /// Accounting: sales orders.
        SalesOrders = "salesOrders",
        /// Accounting: suppliers.
        Suppliers = "suppliers",
        /// Accounting: tax rates.
        TaxRates = "taxRates",
        /// Accounting: tracking categories.
        TrackingCategories = "trackingCategories",
        /// Accounting: transfers.
        Transfers = "transfers",
        /// Banking: account balances.
        BankingAccountBalances = "banking-accountBalances",
        /// Banking: accounts.
        BankingAccounts = "banking-accounts",
        /// Banking: transaction categories.
        BankingTransactionCategories = "banking-transactionCategories",
        /// Banking: transactions.
        BankingTransactions = "banking-transactions",
        /// Commerce: company info.
        CommerceCompanyInfo = "commerce-companyInfo",
        /// Commerce: customers.
        CommerceCustomers = "commerce-customers",
        /// Commerce: disputes.
        CommerceDisputes = "commerce-disputes",
        /// Commerce: locations.
        CommerceLocations = "commerce-locations",
        /// Commerce: orders.
        CommerceOrders = "commerce-orders",
        /// Commerce: payment methods.
        CommercePaymentMethods = "commerce-paymentMethods",
        /// Commerce: payments.
        CommercePayments = "commerce-payments",
        /// Commerce: product categories.
        CommerceProductCategories = "commerce-productCategories",
        /// Commerce: products.
        CommerceProducts = "commerce-products",
        /// Commerce: tax components.
        CommerceTaxComponents = "commerce-taxComponents",
        /// Commerce: transactions.
        CommerceTransactions = "commerce-transactions",
    }
}

impl DataType {
    /// Whether this is one of the Banking API's types (`banking-...`).
    pub fn is_banking(&self) -> bool {
        self.as_str().starts_with("banking-")
    }

    /// Whether this is one of the Commerce API's types (`commerce-...`).
    pub fn is_commerce(&self) -> bool {
        self.as_str().starts_with("commerce-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_and_fallback() {
        assert_eq!(DataType::ALL.len(), 43);
        assert_eq!(DataType::BankTransactions.as_str(), "bankTransactions");
        assert_eq!(
            DataType::parse("banking-accountBalances"),
            DataType::BankingAccountBalances
        );
        assert!(DataType::CommerceOrders.is_commerce());
        assert!(!DataType::Invoices.is_banking());
        let t: DataType = serde_json::from_str("\"bankFeedTransactions\"").unwrap();
        assert_eq!(t, DataType::Unrecognised("bankFeedTransactions".into()));
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"bankFeedTransactions\""
        );
    }
}
